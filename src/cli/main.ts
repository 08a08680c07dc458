// The sysgmm command line: one file per subcommand under src/cli/commands/, registered here.
import { Command } from 'commander';
import { DataError, SpecError } from '../errors.ts';
import { commands } from './commands/index.ts';

const program = new Command();
program.name('sysgmm').description('Dynamic panel GMM (difference and system GMM) that matches Stata xtabond2').version('0.1.0');
program.showHelpAfterError();
for (const register of commands) register(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof DataError || err instanceof SpecError) {
    process.stderr.write(`sysgmm: ${err.message}\n`);
    process.exit(2);
  }
  throw err;
}
