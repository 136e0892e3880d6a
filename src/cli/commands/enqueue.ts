/**
 * Queue commands that submit or settle runs:
 *   orgsync enqueue FILE --org CODE [import options] [--wait] [--json]
 *   orgsync retry RUN_ID [--wait] [--json]
 *   orgsync approve RUN_ID [--json]
 * Without --wait they print the run id; with --wait, exactly what `orgsync
 * import` prints for the same run, and its exit code.
 */
import type { Command } from 'commander';
import { fileSource } from '../../adapters/sources/index.js';
import type { Db } from '../../adapters/db/index.js';
import { approveRun, ApprovalNotPossibleError } from '../../app/approveRun.js';
import type { ImportReport } from '../../app/importService.js';
import { RetryNotPossibleError, submitRetry } from '../../app/retryFailedRows.js';
import { RunNotFoundError } from '../../app/runReport.js';
import { type SubmitResult, submitImport } from '../../app/submitImport.js';
import { waitForRun } from '../../app/waitForRun.js';
import { UsageError, withDatabase } from '../context.js';
import { progressPrinter } from '../progress.js';
import { type QueueContext, withDatabaseAndQueue } from '../queueContext.js';
import { exitCodeOf, renderReport, reportJson } from '../render.js';
import { addImportOptions, type ImportFlags, importOptionsFromFlags } from '../importFlags.js';

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
async function answer(db: Db, ctx: QueueContext, submitted: SubmitResult & { kind: 'submitted' }, sourceName: string, flags: OutputFlags): Promise<void> {
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
  const report = await waitForRun(db, runId, { events: await ctx.events(), onProgress: progressPrinter() });
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
  addImportOptions(program.command('enqueue <file>').description('queue an import for the workers (prints the run id)'))
    .option('--wait', 'wait for the run and print its report, like orgsync import')
    .option('--json', 'print JSON')
    .action(async (file: string, flags: ImportFlags & OutputFlags) => {
      const options = importOptionsFromFlags(flags);
      await withDatabaseAndQueue(async (db, ctx) => {
        const source = await fileSource(file);
        const submitted = await submitImport({ db, queue: ctx.queue }, { organizationCode: flags.org, source, options });
        if (submitted.kind !== 'submitted') throw new Error('an enqueue is never skipped');
        await answer(db, ctx, submitted, file, flags);
      });
    });

  program
    .command('retry <runId>')
    .description('queue a new run of the rows that failed in a run (after fixing what they needed)')
    .option('--wait', 'wait for the retry and print its report')
    .option('--json', 'print JSON')
    .action(async (runId: string, flags: OutputFlags) => {
      await withDatabaseAndQueue(async (db, ctx) => {
        const submitted = await submitRetry({ db, queue: ctx.queue }, runId).catch(asUsageError);
        await answer(db, ctx, submitted, `the failed rows of ${runId}`, flags);
      });
    });

  program
    .command('approve <runId>')
    .description('apply the plan of a sync held for approval (if the departments did not change since)')
    .option('--json', 'print JSON')
    .action(async (runId: string, flags: OutputFlags) => {
      await withDatabase(async (db, cfg) => {
        const report = await approveRun(db, runId, { lockTimeoutSeconds: cfg.database.lockTimeoutSeconds }).catch(asUsageError);
        printReport(report, `the plan of ${runId}`, flags.json);
      });
    });
}
