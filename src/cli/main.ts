// The sysgmm command line: one file per subcommand under src/cli/commands/, loaded only when run.
// Exit status: 0 on success, 2 on a user error (usage, data, options, a file that cannot be read or
// written), 1 on anything else (a bug: printed with its stack).
import { readFileSync, writeSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { DataError, isOutOfMemory, MEMORY_LIMIT_HINT, SpecError } from '../errors.ts';
import { registerCommands } from './commands/index.ts';
import { reportUnknownOptionFirst } from './unknown-options.ts';
import { fileErrorMessage, fileErrorReason } from '../file-errors.ts';
import { moduleLoadFailure } from './module-load-failure.ts';

// The version of the installed package (src/cli and dist/bin both sit two folders below its root).
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command();
program.name('sysgmm').description('Dynamic panel GMM (difference and system GMM) that matches Stata xtabond2').version(pkg.version);
program.showHelpAfterError();
program.exitOverride(); // commander throws instead of exiting; the subcommands inherit it

/** The one-line message of a user error, on stderr; the exit status it gives. */
function failure(message: string): number {
  process.stderr.write(`sysgmm: ${message}\n`);
  return 2;
}

// A standard stream that cannot be written (a full disk, /dev/full, a file-size limit) fails the
// command at its end, with its first error (Node resets a standard stream after an error, so the
// stream does not keep it). A reader that closed the pipe (EPIPE: `sysgmm ... | head -1`) wants no
// more output: no error.
const streamErrors = new Map<NodeJS.WriteStream, NodeJS.ErrnoException>();
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE' && !streamErrors.has(stream)) streamErrors.set(stream, err);
  });
  // To a file, Node writes each chunk with one write(2) and drops what a short write left (a nearly
  // full disk, a file-size limit): the rest is written here, and its failure is the stream's error.
  if (stream.constructor.name === 'SyncWriteStream')
    stream._write = (chunk: Buffer, _encoding, done) => {
      try {
        for (let at = 0; at < chunk.length; ) at += writeSync(stream.fd, chunk, at);
      } catch (err) {
        done(err as Error);
        return;
      }
      done();
    };
}

/** Resolves once `stream` has handed on all it was given (writes to a pipe are asynchronous, and
 *  process.exit() would cut them), or has failed. */
function flushed(stream: NodeJS.WriteStream): Promise<void> {
  if (stream.writableLength === 0 || stream.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    // A write's callback runs once every earlier write is done.
    stream.write('', () => resolve());
    stream.once('error', () => resolve());
  });
}

/** Exit with `code` once the output is handed on (rather than when Node would: it first waits for V8's
 *  background compilations of functions that got hot late, 10–30 ms after a short estimate, for
 *  nothing; bench/RESULTS.md). Output that could not be written makes a success 2, with the reason on
 *  stderr when stderr itself can be written. */
async function exit(code: number): Promise<never> {
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  // The 'error' event of a failed write to a file comes on the next tick.
  await new Promise((resolve) => setImmediate(resolve));
  const out = streamErrors.get(process.stdout);
  if (out && !streamErrors.has(process.stderr)) {
    process.stderr.write(`sysgmm: cannot write standard output: ${fileErrorReason(out.code) ?? out.message}\n`);
    await flushed(process.stderr);
  }
  process.exit(code === 0 && streamErrors.size > 0 ? 2 : code);
}

// No top-level await: the same module is also bundled as one CommonJS script (scripts/build-cli.mjs),
// which bin/sysgmm.mjs runs with V8's code cache.
async function run(): Promise<number> {
  try {
    await registerCommands(program, process.argv.slice(2));
    reportUnknownOptionFirst(program, process.argv.slice(2));
    await program.parseAsync(process.argv);
  } catch (err) {
    // Commander has already printed its message (unknown option or command, missing argument, ...).
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (err instanceof DataError || err instanceof SpecError) return failure(err.message);
    // A run's tasks that failed or were interrupted (src/run/task-failure.ts TaskFailure, known by name so
    // that this module loads no run code): its message, and its code (1; 130 or 143 when interrupted).
    if (err instanceof Error && err.name === 'TaskFailure') {
      process.stderr.write(`sysgmm: ${err.message}\n`);
      return (err as Error & { exitCode: number }).exitCode;
    }
    const file = fileErrorMessage(err);
    if (file) return failure(file);
    // Memory refused (a virtual-memory limit below what WebAssembly reserves, a model larger than
    // memory): one line, exit 1, not a stack trace that reads like a bug.
    if (isOutOfMemory(err)) {
      process.stderr.write(`sysgmm: out of memory (${err.message}); ${MEMORY_LIMIT_HINT}\n`);
      return 1;
    }
    const unloadable = moduleLoadFailure(err);
    if (unloadable) {
      process.stderr.write(`sysgmm: ${unloadable.message}\n`);
      return unloadable.code;
    }
    throw err;
  }
  // The command is done: every action awaits its work.
  return 0;
}

void run().then(exit);
