/**
 * The orgsync command line. Only wiring: parse arguments, call the app layer,
 * map outcomes to exit codes (0 ok, 3 row errors, 1 file-level failure, 2 usage;
 * a thrown error's code maps to its exit code in failure.ts).
 */
import { Command, CommanderError } from 'commander';
import { loadDotEnv } from '../config.js';
import { cliFailureOf, failureJson, wantsJson } from './failure.js';
import { EXIT } from './render.js';
import { commandNamed, helpHint, usageLine } from './usage.js';
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
  [['export'], async () => (await import('./commands/export.js')).registerExport],
  [['webhook'], async () => (await import('./commands/webhook.js')).registerWebhook],
  [['history'], async () => (await import('./commands/history.js')).registerHistory],
  [['revert'], async () => (await import('./commands/revert.js')).registerRevert],
];

export async function buildProgram(argv: readonly string[] = []): Promise<Command> {
  const program = new Command()
    .name('orgsync')
    .description('Import and keep in sync the department trees of organizations.')
    .version(cliVersion(), '-V, --version', 'print the version of orgsync')
    .option('--no-color', 'no colours in the output (so does NO_COLOR=1)')
    // Usage errors are written by main() as one line with a hint, not with the whole help.
    .configureOutput({ outputError: () => {} })
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
  let program: Command | undefined;
  try {
    loadDotEnv();
    program = await buildProgram(argv);
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (err) {
    // Help and version are not errors (commander has printed them).
    if (err instanceof CommanderError && err.exitCode === 0) return EXIT.ok;
    // A bare `orgsync` (or `orgsync org`): commander has printed that level's help, which is the answer.
    if (err instanceof CommanderError && err.code === 'commander.help' && !json) return EXIT.usage;
    const failure = cliFailureOf(err);
    if (err instanceof CommanderError && program) process.stderr.write(usageLine(failure.message, helpHint(commandNamed(program, argv))));
    else process.stderr.write(`orgsync: ${failure.message}\n`);
    if (json) process.stdout.write(failureJson(failure));
    return failure.exit;
  }
}

// Output piped into `head` ends quietly: the reader has gone, so has the need to write.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(EXIT.ok);
  throw err;
});

process.exitCode = await main(process.argv);
