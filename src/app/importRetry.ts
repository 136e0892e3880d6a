/**
 * An import in this process (`orgsync import`, see inProcessImport.ts) with
 * the queue worker's retry rule: a transient fault (a killed database connection, a deadlock, a
 * lock held too long) runs the same run again, up to `attempts` times with an
 * exponential backoff, as a worker's job would; anything else fails the run at
 * once. Each attempt is one transaction, so a failed attempt left nothing
 * behind, and the source is opened afresh for each.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { runFailureCodeOf } from '../core/errors.js';
import { type ImportPorts, type ImportReport, type ImportRequest, type ImportSource, runImport } from './importService.js';
import { markRunFailed } from './queuedRun.js';
import { isTransientFault } from './transientFaults.js';

export interface RetryPolicy {
  /** Attempts in all (ORGSYNC_JOB_ATTEMPTS), at least 1. */
  attempts: number;
  /** Pause before the second attempt, doubled for each later one (ORGSYNC_JOB_BACKOFF_MS). */
  backoffMs: number;
  onRetry?: (err: unknown, attempt: number, pauseMs: number) => void;
}

export async function runImportWithRetries(
  repos: ImportPorts,
  req: Omit<ImportRequest, 'source' | 'runId' | 'failRunOnError' | 'onRunCreated'>,
  openSource: () => Promise<ImportSource>,
  retry: RetryPolicy,
): Promise<ImportReport> {
  let runId: string | undefined;
  for (let attempt = 1; ; attempt++) {
    const last = attempt >= Math.max(1, retry.attempts);
    try {
      return await runImport(repos, {
        ...req,
        source: await openSource(),
        ...(runId === undefined ? { onRunCreated: (id: string) => (runId = id) } : { runId }),
        // Only the last attempt closes the run itself; before it, a failure is classified here.
        failRunOnError: last,
      });
    } catch (err) {
      const again = !last && isTransientFault(err);
      if (!again) {
        // Not worth another attempt: close the run now, so the history never shows it running.
        if (!last && runId !== undefined) await markRunFailed(repos, runId, runFailureCodeOf(err), repos.transactions.describeError(err)).catch(() => undefined);
        throw err;
      }
      const pauseMs = retry.backoffMs * 2 ** (attempt - 1);
      retry.onRetry?.(err, attempt, pauseMs);
      await sleep(pauseMs);
    }
  }
}
