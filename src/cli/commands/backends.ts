// `sysgmm backends [--json]`: the kernel backends present in this process, their precision and their
// measured speeds (one 512×512×512 product; a batch of bootstrap work), as `--backend auto` sees them.
import type { Command } from 'commander';
import { listBackends, type BackendInfo } from '../../kernels/registry.ts';

function formatTable(infos: BackendInfo[]): string {
  const rows = infos.map((i) => [
    i.name,
    i.precision,
    i.present ? 'present' : 'absent',
    i.gflops === undefined ? '-' : i.gflops.toFixed(1),
    i.bootstrapRate === undefined ? '-' : i.bootstrapRate.toFixed(0),
    (i.present ? i.detail : i.reason) ?? '',
  ]);
  const head = ['backend', 'precision', 'status', 'GFLOP/s', 'boot reps/s', 'runs on / why absent'];
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (r: string[]) => r.map((v, c) => (c === 3 || c === 4 ? v.padStart(widths[c]) : c === r.length - 1 ? v : v.padEnd(widths[c]))).join('  ');
  return [
    line(head),
    ...rows.map(line),
    '',
    'GFLOP/s: one 512×512×512 product through the backend, conversions included. boot reps/s: bootstrap',
    'replications a second on the kernel work of a batch of 32 (285 units, 50 instruments, one thread).',
    'auto picks the fastest by the measure of its job (the product; the bootstrap for bootstraps) among',
    'the backends that meet the job\'s precision (float64 for point estimates).',
    '',
    ...howToAdd(infos),
  ].join('\n');
}

/** For each absent optional backend, the command that adds it and what else it needs. */
function howToAdd(infos: BackendInfo[]): string[] {
  const absent = infos.filter((i) => !i.present && i.install);
  if (absent.length === 0) return [];
  const lines = ['To add an absent backend:'];
  for (const i of absent) {
    lines.push(`  ${i.name}: ${i.install}`);
    if (i.needs) lines.push(`    ${i.needs}`);
  }
  return [...lines, ''];
}

export function register(program: Command): void {
  program
    .command('backends')
    .description('kernel backends present here: precision, measured GFLOP/s and bootstrap replications a second')
    .option('--json', 'print the list as JSON')
    .action(async (opts: { json?: boolean }) => {
      const infos = await listBackends();
      process.stdout.write(opts.json ? JSON.stringify(infos, null, 2) + '\n' : formatTable(infos));
    });
}
