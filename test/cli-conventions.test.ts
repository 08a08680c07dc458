// CLI conventions: usage errors exit 2 with commander's message and no stack; an output path that cannot
// be written (missing folder, a folder) is one line naming the path, exit 2; outputs are written through
// a temporary file and a rename, leaving no temporary file on failure; the lazily loaded commands'
// listed summaries are their registered descriptions.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { commands } from '../src/cli/commands/index.ts';
import { firstUnknownOption } from '../src/cli/unknown-options.ts';
import { checkWritable, writeFileAtomic, writeFileAtomicSync } from '../src/data/write-atomic.ts';
import { fileErrorMessage } from '../src/file-errors.ts';

const dir = mkdtempSync(join(tmpdir(), 'sysgmm-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function sysgmm(...args: string[]) {
  const r = spawnSync('npx', ['tsx', 'src/cli/main.ts', ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('CLI conventions', () => {
  it('usage errors exit 2 without a stack: unknown option, missing argument, unknown command', () => {
    const cases: [string[], string][] = [
      [['describe', 'data/abdata.csv', '--id', 'id', '--time', 'year', '--bogus'], "error: unknown option '--bogus'"],
      [['describe', '--id', 'id', '--time', 'year'], "error: missing required argument 'file'"],
      [['frobnicate'], "error: unknown command 'frobnicate'"],
      // A misspelt required option is named as unknown, not as the required one missing.
      [['estimate', 'data/abdata.csv', '--id', 'id', '--time', 'year', '--xtabond', 'n L.n'], "error: unknown option '--xtabond'\n(Did you mean --xtabond2?)"],
      // The program's option after a command: commander answered "unknown option '--version' (Did you mean --version?)".
      [['estimate', '--version'], "error: '--version' is an option of sysgmm itself, not of 'estimate': sysgmm --version"],
      // Options that would be ignored without a word (a tester's report).
      [['estimate', 'data/abdata.csv', '--id', 'id', '--time', 'year', '--xtabond2', 'n L.n, gmm(L.n)', '--format', 'csv', '--json'], '--json and --format csv ask for two formats; give one'],
      [['estimate', 'data/abdata.csv', '--id', 'id', '--time', 'year', '--xtabond2', 'n L.n, gmm(L.n)', '--retries', '3'], '--retries applies only to partitioned data'],
      [['describe', 'data/abdata.csv', '--id', 'id', '--time', 'year', '--sheet', 'Sheet2'], '--sheet applies to .xlsx files; data/abdata.csv is read as csv'],
    ];
    for (const [args, message] of cases) {
      const r = sysgmm(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toContain(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    const help = sysgmm('--help');
    expect(help.code).toBe(0);
    for (const c of commands) expect(help.stdout).toContain(c.name);
  });

  it('firstUnknownOption reads the arguments as commander does: values after known options, `=`, `--`', () => {
    const c = new Command('x').requiredOption('--id <col>').option('--level [n]').option('--quiet');
    expect(firstUnknownOption(c, ['file', '--id', '--bogus', '--quiet'])).toBeNull(); // '--bogus' is --id's value
    expect(firstUnknownOption(c, ['--id=a', '--bogus'])).toBe('--bogus');
    expect(firstUnknownOption(c, ['--level', '--bogus=1'])).toBe('--bogus'); // an optional value does not start with '-'
    expect(firstUnknownOption(c, ['--level', '5', '--quiet', '--help'])).toBeNull();
    expect(firstUnknownOption(c, ['--', '--bogus'])).toBeNull();
  });

  it('an output path in a missing folder or that is a folder: one line naming it, exit 2, no temporary file left', () => {
    const missing = join(dir, 'no-such-folder', 'sim.csv');
    const a = sysgmm('simulate', '--cities', '4', '--years', '2003-2005', '--seed', '1', '--out', missing);
    expect(a.code).toBe(2);
    expect(a.stderr).toBe(`sysgmm: --out: cannot write ${missing}: no such file or folder\n`);
    const folder = join(dir, 'folder.csv');
    mkdirSync(folder);
    const b = sysgmm('simulate', '--cities', '4', '--years', '2003-2005', '--seed', '1', '--out', folder);
    expect(b.code).toBe(2);
    expect(b.stderr).toBe(`sysgmm: --out: cannot write ${folder}: it is a folder\n`);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('an output that cannot be written fails before the work: nothing printed, nothing left', () => {
    const missing = join(dir, 'no-such-folder', 'fit.json');
    const a = sysgmm('estimate', 'data/abdata.csv', '--id', 'id', '--time', 'year', '--xtabond2', 'n L.n w k, gmm(L.n)', '--save', missing);
    expect([a.code, a.stdout, a.stderr]).toEqual([2, '', `sysgmm: --save: cannot write ${missing}: no such file or folder\n`]);
    const folder = join(dir, 'draws.csv');
    mkdirSync(folder, { recursive: true });
    const b = sysgmm('bootstrap', 'data/abdata.csv', '--id', 'id', '--time', 'year', '--xtabond2', 'n L.n w k, gmm(L.n)', '--reps', '9', '--draws', folder);
    expect([b.code, b.stdout, b.stderr]).toEqual([2, '', `sysgmm: --draws: cannot write ${folder}: it is a folder\n`]);
    const file = join(dir, 'a-file');
    writeFileSync(file, '');
    const c = sysgmm('bootstrap', 'data/abdata.csv', '--id', 'id', '--time', 'year', '--xtabond2', 'n L.n w k, gmm(L.n)', '--reps', '9', '--svg', join(file, 'figs'));
    expect([c.code, c.stdout, c.stderr]).toEqual([2, '', `sysgmm: --svg: cannot create the folder ${join(file, 'figs')}: a file is in the way\n`]);
    // A folder to be made is checked, not made: a run that fails leaves none behind.
    const later = join(dir, 'figs', 'deeper');
    const d = sysgmm('bootstrap', 'data/abdata.csv', '--id', 'id', '--time', 'year', '--xtabond2', 'n L.n w k, gmm(nope)', '--reps', '9', '--svg', later);
    expect(d.code).toBe(2);
    expect(existsSync(join(dir, 'figs'))).toBe(false);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    // An output that is the input data would replace it with the results: refused, the data untouched.
    const victim = join(dir, 'victim.csv');
    copyFileSync('data/abdata.csv', victim);
    const same = sysgmm('estimate', victim, '--id', 'id', '--time', 'year', '--xtabond2', 'n L.n w k, gmm(L.n)', '--save', victim);
    expect([same.code, same.stdout, same.stderr]).toEqual([2, '', `sysgmm: --save: ${victim} is the input file ${victim}; write the output to another file\n`]);
    expect(readFileSync(victim, 'utf8')).toBe(readFileSync('data/abdata.csv', 'utf8'));
    const table = sysgmm('table', join(dir, 'not-saved.json'), '--out', missing);
    expect([table.code, table.stdout, table.stderr]).toEqual([2, '', `sysgmm: --out: cannot write ${missing}: no such file or folder\n`]);
    const wild = sysgmm('bootstrap', 'data/abdata.csv', '--id', 'id', '--time', 'year', '--xtabond2', 'n L.n w k, gmm(L.n)', '--method', 'wild', '--test', 'w = 0', '--draws', join(dir, 'wild.csv'));
    expect([wild.code, wild.stderr]).toEqual([2, 'sysgmm: --draws applies to --method pairs: the wild score bootstrap does not re-estimate the coefficients\n']);
  });

  it('writeFileAtomic replaces the file whole and cleans up after a failure', async () => {
    // A name of 250 characters (the limit is 255): its temporary name must fit too.
    const long = join(dir, `${'x'.repeat(246)}.csv`);
    checkWritable(long);
    await writeFileAtomic(long, 'a');
    expect(readFileSync(long, 'utf8')).toBe('a');
    const path = join(dir, 'out.txt');
    writeFileSync(path, 'old');
    await writeFileAtomic(path, 'new');
    expect(readFileSync(path, 'utf8')).toBe('new');
    writeFileAtomicSync(path, 'newer');
    expect(readFileSync(path, 'utf8')).toBe('newer');
    const err = await writeFileAtomic(dir, 'x').catch((e: NodeJS.ErrnoException) => e);
    expect([err?.code, err?.path]).toEqual(['EISDIR', dir]);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it("each command's listed summary is the description its module registers", async () => {
    for (const entry of commands) {
      const program = new Command();
      (await entry.load()).register(program);
      const cmd = program.commands.find((c) => c.name() === entry.name);
      expect(cmd?.description()).toBe(entry.summary);
      expect(cmd?.registeredArguments.map((a) => (a.required ? `<${a.name()}${a.variadic ? '...' : ''}>` : `[${a.name()}${a.variadic ? '...' : ''}]`)).join(' ')).toBe(entry.args);
    }
  });
});

describe('file errors as one line', () => {
  const err = (code: string, syscall: string, path: string, dest?: string) => Object.assign(new Error(`${code}: ${syscall} '${path}'`), { code, syscall, path, dest });
  it('names the path and the reason: read-only, permission, a file in the way, rename to a folder', () => {
    expect(fileErrorMessage(err('EROFS', 'open', '/mnt/ro/a.csv'))).toBe('cannot open /mnt/ro/a.csv: read-only file system');
    expect(fileErrorMessage(err('EACCES', 'write', '/root/a.csv'))).toBe('cannot write /root/a.csv: permission denied');
    expect(fileErrorMessage(err('EEXIST', 'mkdir', 'out'))).toBe('cannot create the folder out: a file is in the way');
    expect(fileErrorMessage(err('EISDIR', 'rename', '/tmp/.a.tmp', '/tmp/a'))).toBe('cannot write /tmp/a: it is a folder');
    expect(fileErrorMessage(new Error('not a file error'))).toBeUndefined();
  });
});
