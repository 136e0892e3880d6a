/**
 * `orgsync approve RUN_ID`: applies the plan a sync held because it would
 * deactivate more departments than its threshold allows. Exactly that plan,
 * and only if the organization's departments are unchanged since it was made;
 * otherwise the run is planned again, held again, and the report says so.
 * In-process, in one transaction: a crash leaves the run needs_approval.
 */
import type { Db } from '../adapters/db/index.js';
import { importRunsRepo } from '../adapters/db/index.js';
import type { ImportReport } from './importService.js';
import { executeQueuedRun } from './queuedRun.js';
import { RunNotFoundError } from './runReport.js';
import { OrgsyncError } from '../core/errors.js';

export class ApprovalNotPossibleError extends OrgsyncError {
  override readonly name = 'ApprovalNotPossibleError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('RUN_NOT_APPROVABLE', message, { ...options });
  }
}

export async function approveRun(db: Db, runId: string, opts: { lockTimeoutSeconds: number }): Promise<ImportReport> {
  const run = await importRunsRepo(db).getRun(runId);
  if (!run) throw new RunNotFoundError(runId);
  if (run.status !== 'needs_approval') {
    throw new ApprovalNotPossibleError(`run ${runId} is ${run.status}: only a run that needs approval can be approved`);
  }
  return executeQueuedRun(db, runId, { lockTimeoutSeconds: opts.lockTimeoutSeconds, approve: true });
}
