/**
 * Queue commands that submit or settle runs:
 *   orgsync enqueue FILE --org CODE [import options] [--wait] [--json]
 *   orgsync retry RUN_ID [--wait] [--json]
 *   orgsync approve RUN_ID [--json]
 * Without --wait they print the run id; with --wait, exactly what `orgsync
 * import` prints for the same run, and its exit code.
 */
import type { Command } from 'commander';
import { DEFAULT_SOURCE_MAX_BYTES, fileSource } from '../../adapters/sources/index.js';
import type { Repositories } from '../../app/ports.js';
import { approveRun, ApprovalNotPossibleError } from '../../app/approveRun.js';
import type { ImportReport } from '../../app/importService.js';
import { RetryNotPossibleError, submitRetry } from '../../app/retryFailedRows.js';
import { RunNotFoundError } from '../../app/runReport.js';
import { type SubmitResult, submitImport } from '../../app/submitImport.js';
import { waitForRun } from '../../app/waitForRun.js';
import { config, UsageError, withRepositories } from '../context.js';
import { isStdin, readStdin } from '../stdinSource.js';
import { progressPrinter } from '../progress.js';
import { type QueueContext, withRepositoriesAndQueue } from '../queueContext.js';
import { exitCodeOf, renderReport, reportJson } from '../render.js';
import { addImportOptions, type ImportFlags, importOptionsFromFlags } from '../importFlags.js';
import { cliActor } from '../actor.js';

interface OutputFlags {
  wait?: boolean;
  json?: boolean;
}

function printReport(report: ImportReport, sourceName: string, json: boolean | undefined): void {
  if (json) process.stdout.write(`${JSON.stringify(reportJson(report))}\n`);
  else process.stdout.write(`${renderReport(report, sourceName)}\n`);
  process.exitCode = exitCodeOf(report);
}

/** Prints the run id, or waits for the run and prints its report. */
async function answer(repos: Repositories, ctx: QueueContext, submitted: SubmitResult & { kind: 'submitted' }, sourceName: string, flags: OutputFlags): Promise<void> {
  const { runId, duplicate, enqueued } = submitted;
  if (duplicate) process.stderr.write(`orgsync: the same import is already queued or running as run ${runId}\n`);
  if (!enqueued) {
    process.stderr.write(
      `orgsync: run ${runId} is stored, but Redis refused the job (${submitted.enqueueError ?? 'unknown error'}); a worker will queue it when Redis is back\n`,
    );
  }
  if (!flags.wait) {
    process.stdout.write(flags.json ? `${JSON.stringify({ runId, status: 'queued', duplicate })}\n` : `${runId}\n`);
    return;
  }
  const report = await waitForRun(repos, runId, { events: await ctx.events(), onProgress: progressPrinter() });
  printReport(report, sourceName, flags.json);
}

/** Domain refusals are the caller's to fix: exit code 2, like other usage errors. */
function asUsageError(err: unknown): never {
  if (err instanceof RunNotFoundError || err instanceof RetryNotPossibleError || err instanceof ApprovalNotPossibleError) {
    throw new UsageError(err.message);
  }
  throw err;
}

export function registerEnqueue(program: Command): void {
  addImportOptions(program.command('enqueue <file>').description('queue an import for the workers (prints the run id; - reads standard input)'))
    .option('--wait', 'wait for the run and print its report, like orgsync import')
    .option('--json', 'print JSON')
    .action(async (file: string, flags: ImportFlags & OutputFlags) => {
      const options = importOptionsFromFlags(flags);
      await withRepositoriesAndQueue(async (repos, ctx) => {
        // `-`: standard input, staged like a file (the worker reads the staged copy).
        const source = isStdin(file) ? (await readStdin(config().sources.maxBytes ?? DEFAULT_SOURCE_MAX_BYTES))() : await fileSource(file);
        const submitted = await submitImport({ repos, queue: ctx.queue }, { organizationCode: flags.org, source, options, submittedBy: cliActor() });
        if (submitted.kind !== 'submitted') throw new Error('an enqueue is never skipped');
        await answer(repos, ctx, submitted, file, flags);
      });
    });

  program
    .command('retry <runId>')
    .description('queue a new run of the rows that failed in a run (after fixing what they needed)')
    .option('--wait', 'wait for the retry and print its report')
    .option('--json', 'print JSON')
    .action(async (runId: string, flags: OutputFlags) => {
      await withRepositoriesAndQueue(async (repos, ctx) => {
        const submitted = await submitRetry({ repos, queue: ctx.queue }, runId, cliActor()).catch(asUsageError);
        await answer(repos, ctx, submitted, `the failed rows of ${runId}`, flags);
      });
    });

  program
    .command('approve <runId>')
    .description('apply the plan of a sync held for approval (if the departments did not change since)')
    .option('--json', 'print JSON')
    .action(async (runId: string, flags: OutputFlags) => {
      await withRepositories(async (repos, cfg) => {
        // The operator at the command line may approve any run; approved_by records `cli:<os user>`.
        const approver = { kind: 'operator', actor: cliActor() } as const;
        const report = await approveRun(repos, runId, { lockTimeoutSeconds: cfg.database.lockTimeoutSeconds, approver }).catch(asUsageError);
        printReport(report, `the plan of ${runId}`, flags.json);
      });
    });
}
