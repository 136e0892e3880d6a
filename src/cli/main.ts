/**
 * The orgsync command line. Only wiring: parse arguments, call the app layer,
 * map outcomes to exit codes (0 ok, 3 row errors, 1 file-level failure, 2 usage).
 */
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config.js';
import { SourceUnavailableError } from '../adapters/sources/file.js';
import { registerAdmin } from './commands/admin.js';
import { registerImport } from './commands/import.js';
import { registerEnqueue } from './commands/enqueue.js';
import { registerSchedule } from './commands/schedule.js';
import { registerWorker } from './commands/worker.js';
import { registerServe } from './commands/serve.js';
import { registerToken } from './commands/token.js';
import { UsageError } from './context.js';
import { EXIT } from './render.js';

export function buildProgram(): Command {
  const program = new Command()
    .name('orgsync')
    .description('Import and keep in sync the department trees of organizations.')
    .showHelpAfterError()
    .exitOverride();
  registerImport(program);
  registerEnqueue(program);
  registerSchedule(program);
  registerWorker(program);
  registerAdmin(program);
  registerServe(program);
  registerToken(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version are not errors; everything else commander rejects is a usage error.
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (err instanceof UsageError || err instanceof ConfigError) {
      process.stderr.write(`orgsync: ${err.message}\n`);
      return EXIT.usage;
    }
    if (err instanceof SourceUnavailableError) {
      process.stderr.write(`orgsync: ${err.message}\n`);
      return EXIT.fileError;
    }
    process.stderr.write(`orgsync: ${(err as Error).message ?? String(err)}\n`);
    return EXIT.fileError;
  }
}

process.exitCode = await main(process.argv);
