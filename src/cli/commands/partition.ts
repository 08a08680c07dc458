// `sysgmm partition <input> --id <col> --time <col> --shards K --out <dir>`: K Parquet shards of whole
// units sorted by (unit, time) and manifest.json, streaming (src/scale/partition.ts).
import type { Command } from 'commander';
import { wholeNumber } from '../../whole-number.ts';
import { partition } from '../../scale/partition.ts';
import { readOptionsOf } from '../../input/load-model.ts';
import { dataReadOptions } from '../data-options.ts';

export function register(program: Command): void {
  dataReadOptions(
    program
      .command('partition')
      .description('split a panel of any size into Parquet shards of whole units, sorted by (unit, time), with a manifest')
      .argument('<input>', 'data file (a Parquet file streams in bounded memory; other formats are read whole first)')
      .requiredOption('--id <col>', 'unit (panel) identifier column')
      .requiredOption('--time <col>', 'integer time column')
      .requiredOption('--shards <K>', 'number of shards (choose K so that one shard fits in memory)')
      .requiredOption('--out <dir>', 'folder for the shards and manifest.json'),
  ).action(async (input: string, opts: { id: string; time: string; shards: string; out: string; inputFormat?: string; sheet?: string; delimiter?: string }) => {
    const m = await partition(input, { id: opts.id, time: opts.time, shards: wholeNumber(opts.shards, '--shards', 1), out: opts.out, read: readOptionsOf(opts, input) });
    const ex = m.excluded.missingId + m.excluded.missingTime;
    process.stdout.write(
      `${m.rows} rows of ${m.units} units, ${opts.time} ${m.timeRange.min}..${m.timeRange.max}, in ${m.shards.length} shards (${Math.min(...m.shards.map((s) => s.units))} to ${Math.max(...m.shards.map((s) => s.units))} units each) in ${opts.out}\n` +
        (ex ? `left out: ${m.excluded.missingId} rows without ${opts.id}, ${m.excluded.missingTime} without ${opts.time}\n` : ''),
    );
    // Units are dealt to shards by a hash of their id: more shards than units (or a few more) leave
    // some empty, which the summary's "0 to k units" alone did not point out.
    const empty = m.shards.filter((s) => s.units === 0).length;
    if (empty > 0)
      process.stderr.write(`warning: ${empty} of ${m.shards.length} shards hold no unit (${m.units} units in all; each unit goes whole to one shard); fewer --shards would do\n`);
  });
}
