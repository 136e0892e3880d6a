/**
 * The orgsync command line. Only wiring: parse arguments, call the app layer,
 * map outcomes to exit codes (0 ok, 3 row errors, 1 file-level failure, 2 usage;
 * a thrown error's code maps to its exit code in failure.ts).
 */
import { Command, CommanderError } from 'commander';
import { cliFailureOf, failureJson, wantsJson } from './failure.js';
import { EXIT } from './render.js';
import { cliVersion } from './version.js';

type Register = (program: Command) => void;

/**
 * Command modules by the command names they register, loaded on demand: the
 * server pulls in Fastify and the worker BullMQ, and an `import` should not pay
 * for either at start-up.
 */
const COMMAND_MODULES: [names: string[], load: () => Promise<Register>][] = [
  [['import'], async () => (await import('./commands/import.js')).registerImport],
  [['enqueue', 'retry', 'approve'], async () => (await import('./commands/enqueue.js')).registerEnqueue],
  [['schedule'], async () => (await import('./commands/schedule.js')).registerSchedule],
  [['worker'], async () => (await import('./commands/worker.js')).registerWorker],
  [['migrate', 'org', 'runs', 'report', 'tree'], async () => (await import('./commands/admin.js')).registerAdmin],
  [['serve'], async () => (await import('./commands/serve.js')).registerServe],
  [['token'], async () => (await import('./commands/token.js')).registerToken],
];

export async function buildProgram(argv: readonly string[] = []): Promise<Command> {
  const program = new Command()
    .name('orgsync')
    .description('Import and keep in sync the department trees of organizations.')
    .version(cliVersion(), '-V, --version', 'print the version of orgsync')
    .showHelpAfterError()
    .exitOverride();
  // The first word that is not an option names the command; without one (or for
  // an unknown one) every command is registered, for help and error messages.
  const word = argv.slice(2).find((a) => !a.startsWith('-'));
  const wanted = COMMAND_MODULES.filter(([names]) => word !== undefined && names.includes(word));
  for (const [, load] of wanted.length > 0 ? wanted : COMMAND_MODULES) (await load())(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const json = wantsJson(argv);
  try {
    const program = await buildProgram(argv);
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (err) {
    // Help and version are not errors (commander has printed them).
    if (err instanceof CommanderError && err.exitCode === 0) return EXIT.ok;
    const failure = cliFailureOf(err);
    // Commander has already said what it rejected, on stderr.
    if (!(err instanceof CommanderError)) process.stderr.write(`orgsync: ${failure.message}\n`);
    if (json) process.stdout.write(failureJson(failure));
    return failure.exit;
  }
}

process.exitCode = await main(process.argv);
