// A partitioned folder (partition.ts) read back as one panel, for the commands that need every unit
// in one process (the pairs bootstrap resamples clusters of the whole sample): every shard with rows,
// checked against the manifest's SHA-256, joined in shard order. Panel.fromTable sorts units, so the
// panel is that of the input file; the rows partition left out (no unit id, no time) are counted
// from the manifest, as a read of the input would count them.
import { Table } from 'apache-arrow';
import { SpecError } from '../errors.ts';
import { readTable } from '../data/read.ts';
import { Panel } from '../panel/panel.ts';
import { parseXtabond2 } from '../spec/parse.ts';
import type { ModelSpec } from '../spec/types.ts';
import { checkedShard, readPartition } from './partition.ts';

export async function loadPartitionedModel(dir: string, opts: { id: string; time: string; xtabond2: string }): Promise<{ panel: Panel; spec: ModelSpec }> {
  const m = await readPartition(dir);
  if (m.id !== opts.id || m.time !== opts.time)
    throw new SpecError(`${dir} was partitioned with --id ${m.id} --time ${m.time}, not --id ${opts.id} --time ${opts.time}`, '--id');
  const tables: Table[] = [];
  for (let s = 0; s < m.shards.length; s++) if (m.shards[s].rows > 0) tables.push(await readTable(await checkedShard(dir, m, s)));
  const table = tables[0].concat(...tables.slice(1));
  const spec = parseXtabond2(opts.xtabond2, table.schema.fields.map((f) => f.name));
  const panel = Panel.fromTable(table, { id: m.id, time: m.time, source: dir });
  panel.exclusions.missingUnit += m.excluded.missingId;
  panel.exclusions.missingTime += m.excluded.missingTime;
  return { panel, spec };
}
