/**
 * A failed job retried from the dashboard must run its import again. The
 * worker never re-runs a finished run (a re-delivered job must not import
 * twice), so before Bull Board retries a run's job, the run is reopened:
 * `failed` → `queued`, but only when its input is still staged. That is the
 * case when the run failed on a fault (the database or the organization's lock
 * unavailable through every attempt, an unexpected error): the import never
 * got to write anything. A run that failed on its file (say, malformed CSV)
 * has had its input released; retrying it could only fail again, so the
 * retry is refused with a message saying to upload the file again.
 *
 * The rerun then has the guarantees of every queued run: one transaction under
 * the organization's lock, planned from the departments as they are now.
 */
import type { Repositories } from './ports.js';

export type DashboardRetryVerdict = { allow: true; reopened: boolean } | { allow: false; message: string };

export async function prepareRunRetry({ runs, staging }: Pick<Repositories, 'runs' | 'staging'>, runId: string): Promise<DashboardRetryVerdict> {
  const run = await runs.getRun(runId);
  // Not a run of ours, or not failed (a completed job re-run is a no-op): let BullMQ retry it.
  if (!run || run.status !== 'failed') return { allow: true, reopened: false };
  if (!(await staging.has(runId, 'input'))) {
    return {
      allow: false,
      message: `Run ${runId} failed on its input (${run.errorCode ?? 'error'}); retrying cannot change that. Fix the file and upload it again.`,
    };
  }
  return { allow: true, reopened: await runs.reopenRun(runId) };
}
