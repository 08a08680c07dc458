// Commander checks a command's required options before its unknown ones, so a misspelt required
// option (`--xtabond 'n L.n …'`) is reported as "required option '--xtabond2' not specified", without
// a word about the option given. This looks for an unknown long option first, the way commander reads
// the arguments (a known option's value is the next argument, or after `=`; `--` ends the options),
// and has commander report it, with its "Did you mean".
import { CommanderError, type Command } from 'commander';

/** The first long option in `args` (a command's arguments after its name) that `command` does not know. */
export function firstUnknownOption(command: Command, args: readonly string[]): string | null {
  const known = new Map<string, { required: boolean; optional: boolean }>([['--help', { required: false, optional: false }]]);
  for (const o of command.options) if (o.long) known.set(o.long, { required: o.required, optional: o.optional });
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') break;
    if (!arg.startsWith('--')) continue;
    const eq = arg.indexOf('=');
    const flag = eq < 0 ? arg : arg.slice(0, eq);
    const option = known.get(flag);
    if (!option) return flag;
    // Its value, when not given after `=`: always the next argument when required, the next one not
    // starting with '-' when optional.
    const next = args[i + 1];
    if (eq < 0 && (option.required || (option.optional && next !== undefined && !next.startsWith('-')))) i++;
  }
  return null;
}

/** Have commander report an unknown option of the subcommand `argv` runs (argv: the arguments after
 *  the program's name) before it looks for missing required ones. */
export function reportUnknownOptionFirst(program: Command, argv: readonly string[]): void {
  const at = argv.findIndex((a) => !a.startsWith('-'));
  const command = at < 0 ? undefined : program.commands.find((c) => c.name() === argv[at]);
  if (!command) return;
  const flag = firstUnknownOption(command, argv.slice(at + 1));
  // The program's own --version after a command: commander would suggest "--version" itself.
  if (flag === '--version') {
    process.stderr.write(`error: '--version' is an option of sysgmm itself, not of '${command.name()}': sysgmm --version\n`);
    throw new CommanderError(2, 'sysgmm.versionAfterCommand', '--version after a command');
  }
  // Commander's own report (message, suggestion, help hint, exit code); unknownOption is not in its
  // typings.
  if (flag) (command as unknown as { unknownOption(flag: string): never }).unknownOption(flag);
}
