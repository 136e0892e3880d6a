/**
 * The part of processing shared by the jobs that process one run
 * (import-departments, retry-failed-rows): progress, logging, and the line
 * between faults worth retrying and failures that must stop at once.
 */
import { type Job, UnrecoverableError } from 'bullmq';
import { isTransientDbError, LockTimeoutError } from '../src/adapters/db/index.js';
import { isTransientRedisError } from '../src/adapters/queue/index.js';
import { TransientSourceError } from '../src/adapters/sources/index.js';
import type { Logger } from '../src/adapters/log.js';
import type { ImportReport } from '../src/app/importService.js';
import type { RunJobPayload, RunJobResult } from '../src/app/jobContracts.js';
import { executeQueuedRun, markRunFailed, RunUnrunnableError } from '../src/app/queuedRun.js';
import { progressMirror } from '../src/app/runProgress.js';
import type { JobDeps } from './types.js';

/** Faults a later attempt may not hit: MySQL or Redis unreachable, deadlocks, lock timeouts, a flaky HTTP source. */
export function isTransient(err: unknown): boolean {
  return isTransientDbError(err) || err instanceof LockTimeoutError || isTransientRedisError(err) || err instanceof TransientSourceError;
}

function isLastAttempt(job: Job): boolean {
  return job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
}

/**
 * The error to throw for a run that threw: the fault itself when it is
 * transient (BullMQ retries it with backoff), an UnrecoverableError otherwise
 * (no retries). Before the last attempt gives up, the run is marked failed, so
 * the history never shows a run stuck as running.
 */
async function failure(err: unknown, job: Job, deps: JobDeps, runId: string, log: Logger): Promise<Error> {
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof RunUnrunnableError) return new UnrecoverableError(message);
  const transient = isTransient(err);
  if (transient && !isLastAttempt(job)) {
    log.warn({ err, transient }, 'run attempt failed; it will be retried');
    return err as Error;
  }
  log.error({ err, transient }, 'run failed');
  await markRunFailed(deps.db, runId, transient ? 'RETRIES_EXHAUSTED' : 'INTERNAL_ERROR', message).catch((e: unknown) => {
    // The sweep marks it failed later (JOB_LOST) once the database is back.
    log.error({ err: e }, 'could not record the failure');
  });
  return transient ? (err as Error) : new UnrecoverableError(message);
}

export async function processRun(
  job: Job<RunJobPayload>,
  deps: JobDeps,
  afterRun?: (report: ImportReport) => Promise<void>,
): Promise<RunJobResult> {
  const { runId } = job.data;
  const log = deps.log.child({ runId, job: job.name, jobId: job.id, attempt: job.attemptsMade + 1 });
  const progress = progressMirror(deps.db, runId, (p) => job.updateProgress({ ...p }), (err) => log.warn({ err }, 'progress not recorded'));
  const startedAt = Date.now();
  let report: ImportReport;
  try {
    report = await executeQueuedRun(deps.db, runId, {
      lockTimeoutSeconds: deps.lockTimeoutSeconds,
      onProgress: progress.onProgress,
      onStart: (run) => log.info({ organization: run.organizationCode, source: run.sourceName, mode: run.mode }, 'run started'),
    });
  } catch (err) {
    await progress.flush();
    throw await failure(err, job, deps, runId, log);
  }
  await progress.flush();
  await afterRun?.(report);
  const { status, counts, fileError } = report;
  log.info({ organization: report.organization, status, counts, error: fileError?.code, ms: Date.now() - startedAt }, 'run finished');
  // A bad file or a held threshold will not get better by retrying: fail the job at once, saying why.
  if (fileError) throw new UnrecoverableError(`${fileError.code}: ${fileError.message}`);
  return { runId, status, counts };
}
