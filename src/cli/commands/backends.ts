// `sysgmm backends [--json]`: the kernel backends present in this process, their precision and their
// measured speeds (one 512×512×512 product; a batch of bootstrap work), as `--backend auto` sees them.
import { spawnSync } from 'node:child_process';
import type { Command } from 'commander';
import { listBackends, type BackendInfo } from '../../kernels/registry.ts';

// Dawn (the webgpu package) writes its notices straight to the process's standard error. On a Vulkan
// driver that reports limits beyond what Dawn allots (Mesa's lavapipe, the CPU driver many Linux
// systems carry), it notes two limits it lowers: internal to Dawn, nothing a user can act on. So the
// listing runs in a child process (marked by LISTING_CHILD), and its standard error is passed on
// without those notes; anything else it writes reaches the user unchanged.
const LISTING_CHILD = 'SYSGMM_BACKENDS_LISTING';
const DAWN_LIMIT_NOTE = /^Warning: maxDynamic(?:Uniform|Storage)BuffersPerPipelineLayout artificially reduced from \d+ to \d+ to fit dynamic offset allocation limit\.$/;

/** `stderr` without Dawn's notes on the limits it lowers (whole lines). */
export function withoutDawnLimitNotes(stderr: string): string {
  return stderr
    .split(/(?<=\n)/)
    .filter((line) => !DAWN_LIMIT_NOTE.test(line.trimEnd()))
    .join('');
}

/** listBackends() in a child process running this same command (with the same Node options). */
function listInChild(): BackendInfo[] {
  const r = spawnSync(process.execPath, [...process.execArgv, process.argv[1]!, 'backends', '--json'], {
    encoding: 'utf8',
    env: { ...process.env, [LISTING_CHILD]: '1' },
    maxBuffer: 1 << 24,
  });
  process.stderr.write(withoutDawnLimitNotes(r.stderr ?? ''));
  if (r.status !== 0) throw new Error(`sysgmm backends: the listing process failed (${r.error?.message ?? `exit status ${r.status}`})`);
  return JSON.parse(r.stdout) as BackendInfo[];
}

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
      const infos = process.env[LISTING_CHILD] ? await listBackends() : listInChild();
      process.stdout.write(opts.json ? JSON.stringify(infos, null, 2) + '\n' : formatTable(infos));
    });
}
