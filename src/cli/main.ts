// The sysgmm command line: one file per subcommand under src/cli/commands/, loaded only when run.
// Exit status: 0 on success, 2 on a user error (usage, data, options, a file that cannot be read or
// written), 1 on anything else (a bug: printed with its stack).
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { DataError, SpecError } from '../errors.ts';
import { registerCommands } from './commands/index.ts';
import { reportUnknownOptionFirst } from './unknown-options.ts';
import { fileErrorMessage } from '../file-errors.ts';

// The version of the installed package (src/cli and dist/bin both sit two folders below its root).
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command();
program.name('sysgmm').description('Dynamic panel GMM (difference and system GMM) that matches Stata xtabond2').version(pkg.version);
program.showHelpAfterError();
program.exitOverride(); // commander throws instead of exiting; the subcommands inherit it

function fail(message: string): never {
  process.stderr.write(`sysgmm: ${message}\n`);
  process.exit(2);
}

/** Resolves once `stream` has handed on all it was given (writes to a pipe may be asynchronous), or
 *  can take no more (a reader that closed the pipe). */
function drained(stream: NodeJS.WriteStream): Promise<void> {
  if (stream.writableLength === 0 || stream.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    for (const event of ['drain', 'error', 'close']) stream.once(event, () => resolve());
  });
}

// No top-level await: the same module is also bundled as one CommonJS script (scripts/build-cli.mjs),
// which bin/sysgmm.mjs runs with V8's code cache.
async function run(): Promise<void> {
  try {
    await registerCommands(program, process.argv.slice(2));
    reportUnknownOptionFirst(program, process.argv.slice(2));
    await program.parseAsync(process.argv);
  } catch (err) {
    // Commander has already printed its message (unknown option or command, missing argument, ...).
    if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : 2);
    if (err instanceof DataError || err instanceof SpecError) fail(err.message);
    // A run's tasks that failed or were interrupted (src/run/task-failure.ts TaskFailure, known by name so
    // that this module loads no run code): its message, and its code (1; 130 or 143 when interrupted).
    if (err instanceof Error && err.name === 'TaskFailure') {
      process.stderr.write(`sysgmm: ${err.message}\n`);
      process.exit((err as Error & { exitCode: number }).exitCode);
    }
    const file = fileErrorMessage(err);
    if (file) fail(file);
    throw err;
  }
  // The command is done (every action awaits its work): exit now, once the output is handed on.
  // Otherwise Node first waits for V8's background compilations of functions that got hot late,
  // 10–30 ms after a short estimate, for nothing (bench/RESULTS.md).
  await Promise.all([drained(process.stdout), drained(process.stderr)]);
  process.exit();
}

void run();
