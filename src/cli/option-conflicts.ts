// Options that a command would otherwise ignore without a word: --json beside another --format, an
// option with a default given where it does not apply. Commander records where each value came from.
import type { Command } from 'commander';
import { SpecError } from '../errors.ts';

/** Whether the user gave the option (on the command line), not its default. */
export function given(command: Command, name: string): boolean {
  return command.getOptionValueSource(name) === 'cli';
}

/** The output format: json under --json, which refuses a --format naming another. */
export function outputFormat(opts: { json?: boolean; format: string }, command: Command): string {
  if (opts.json && given(command, 'format') && opts.format !== 'json')
    throw new SpecError(`--json and --format ${opts.format} ask for two formats; give one`, '--json');
  return opts.json ? 'json' : opts.format;
}
