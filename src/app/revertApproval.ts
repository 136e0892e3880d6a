/**
 * Approving a held revert (`orgsync approve RUN_ID`, POST …/approve on a
 * revert run): a revert has no staged input to plan from again, so it is
 * approved here rather than through the import pipeline. Like an import's
 * approval, it applies exactly the held plan while the departments are
 * unchanged; otherwise it plans the revert again from the history and holds
 * it again (a later change to the same departments fails it with
 * REVERT_CONFLICT unless the revert was asked with --force). One transaction
 * under the organization's lock: a crash leaves the run needs_approval.
 */
import type { DeactivationLimit } from '../core/plan/index.js';
import { OrgsyncError } from '../core/errors.js';
import { approvedPlan, departmentsFingerprint, heldAgain, holdPlan, releaseHeldPlan } from './heldPlan.js';
import type { ImportReport } from './importService.js';
import type { ImportRunRecord, Tx } from './ports.js';
import { announceRunEnded } from './runAnnouncements.js';
import { loadStoredReport } from './runReport.js';
import { applyRevertPlan, planRevert, type RevertPorts, RunNotRevertibleError } from './revertRun.js';

/** What revertRun stores as the options of a revert run. */
interface RevertOptions {
  revertOf: string;
  force?: boolean;
  maxDeactivate?: DeactivationLimit;
  maxDepth?: number;
}

export function revertOptionsOf(run: Pick<ImportRunRecord, 'options'>): RevertOptions | undefined {
  const o = run.options as Partial<RevertOptions> | null;
  return o && typeof o.revertOf === 'string' ? (o as RevertOptions) : undefined;
}

export async function approveRevert(repos: RevertPorts, run: ImportRunRecord, opts: RevertOptions, approval: { actor: string; lockTimeoutSeconds: number }): Promise<ImportReport> {
  const target = await repos.runs.getRun(opts.revertOf);
  const org = run.organizationId ? await repos.organizations.findById(run.organizationId) : undefined;
  if (!target || !org) throw new RunNotRevertibleError(`run ${run.id} reverts run ${opts.revertOf}, which (or whose organization) no longer exists`);
  let applied = false;
  try {
    applied = await repos.lock.withOrganizationLock(org.code, (trx) => approveUnderLock(repos, run, target, org, opts, approval.actor, trx), { timeoutSeconds: approval.lockTimeoutSeconds });
  } catch (err) {
    // Planned again, it cannot be applied (a later change, the history pruned): the run fails with why.
    const code = err instanceof OrgsyncError ? err.code : 'INTERNAL_ERROR';
    if (await repos.runs.failRun(run.id, { code, message: err instanceof Error ? err.message : String(err) }).catch(() => false)) await announceRunEnded(repos, run.id);
    throw err;
  }
  await announceRunEnded(repos, run.id, applied ? { event: 'run.reverted' } : {});
  return loadStoredReport(repos, run.id);
}

/** True when the held plan was applied; false when it was planned and held again. */
async function approveUnderLock(repos: RevertPorts, run: ImportRunRecord, target: ImportRunRecord, org: Parameters<typeof planRevert>[2], opts: RevertOptions, actor: string, trx: Tx): Promise<boolean> {
  if (!(await repos.runs.isStill(run.id, 'needs_approval', trx))) return false;
  const lockAcquiredAt = new Date();
  const stored = await repos.departments.loadForOrganization(org.id, trx);
  const plan = await approvedPlan(repos, trx, run.id, departmentsFingerprint(org, stored));
  if (!plan) {
    const planned = await planRevert(repos, target, org, { revertId: run.id, ...opts }, trx);
    const error = heldAgain(run.id, org.code, planned.deactivating);
    const fingerprint = departmentsFingerprint(org, planned.stored);
    await holdPlan(repos, trx, { runId: run.id, plan: planned.plan, fingerprint, error, warnings: [], from: 'needs_approval', lockAcquiredAt });
    return false;
  }
  await applyRevertPlan(repos, org, plan, { runId: run.id, requestId: null, actor }, trx);
  await repos.runs.insertRowResults(run.id, plan, new Map(), trx);
  await repos.runs.finishRun(run.id, { status: 'completed', counts: plan.counts, organizationId: org.id, from: ['needs_approval'], lockAcquiredAt }, trx);
  await releaseHeldPlan(repos, trx, run.id);
  await repos.runs.recordApproval(run.id, actor, new Date(), trx);
  return true;
}
