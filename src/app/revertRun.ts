/**
 * `orgsync revert RUN_ID` and `POST …/imports/{runId}/revert`: a new run
 * (its own run row, source `revert of <run>`, parent_run_id the reverted run)
 * that puts every department the run touched back as it was before it.
 *
 * Design: the "before" state comes from the run's history and is handed to
 * the importer's planner as rows keyed by id (core/history/revertPlan.ts), and
 * the plan is written by the importer's apply code (departments.applyPlan,
 * members.applyMembers) in one transaction under the organization's lock, with
 * its own history rows: so depth, uniqueness and path rewriting are the
 * importer's, and a revert is itself revertible.
 */
import { OrgsyncError } from '../core/errors.js';
import { changesOfPlan, type HistoryEntry } from '../core/history/changes.js';
import { revertMembers, revertRows } from '../core/history/revertPlan.js';
import { type ImportCounts, type ImportPlan, membershipCount, type Organization, type StoredDepartment } from '../core/model.js';
import { type DeactivationLimit, deactivationLimit, planImport } from '../core/plan/index.js';
import { newDepartmentId } from '../ids.js';
import type { ImportRunRecord, Repositories, Tx } from './ports.js';
import { RunNotFoundError } from './runReport.js';
import { announceRunEnded } from './runAnnouncements.js';
import { departmentsFingerprint, dryRevertOverThreshold, holdPlan, revertHeldOverThreshold } from './heldPlan.js';

export type RevertPorts = Pick<Repositories, 'runs' | 'departments' | 'organizations' | 'members' | 'lock' | 'history' | 'staging'> & Pick<Repositories, 'webhooks'>;

/** Like a sync's --max-deactivate default: a revert that would deactivate more is held for approval (revertApproval.ts). */
export const DEFAULT_REVERT_MAX_DEACTIVATE: DeactivationLimit = { kind: 'percent', value: 20 };

export interface RevertRequest {
  runId: string;
  dryRun?: boolean;
  /** Revert even when later runs or API writes changed the same departments (their changes are overwritten). */
  force?: boolean;
  maxDeactivate?: DeactivationLimit;
  maxDepth?: number;
  /** `cli:<os user>`, a token id. */
  actor: string;
  requestId?: string;
  lockTimeoutSeconds: number;
}

/** A later change that makes a revert unsafe: the department and who changed it. */
export interface RevertConflict {
  departmentId: string;
  action: string;
  runId: string | null;
  requestId: string | null;
  actor: string;
  at: string;
}

export interface RevertReport {
  runId: string;
  revertedRunId: string;
  organizationCode: string;
  dryRun: boolean;
  /** needs_approval: over --max-deactivate, held (a dry run: only reported); `orgsync approve RUN_ID` applies it. */
  status: 'completed' | 'needs_approval';
  /** Why it is held (DEACTIVATION_THRESHOLD_EXCEEDED). */
  error?: { code: string; message: string };
  counts: ImportCounts;
  /** History rows the revert wrote (0 for a dry run). */
  changes: number;
  /** Later changes overwritten with --force. */
  overridden: RevertConflict[];
}

export class RunNotRevertibleError extends OrgsyncError {
  override readonly name = 'RunNotRevertibleError';
  constructor(message: string) {
    super('RUN_NOT_REVERTIBLE', message);
  }
}

export class RevertConflictError extends OrgsyncError {
  override readonly name = 'RevertConflictError';
  constructor(
    readonly revertRunId: string,
    readonly conflicts: readonly RevertConflict[],
  ) {
    const ids = [...new Set(conflicts.map((c) => c.departmentId))];
    super(
      'REVERT_CONFLICT',
      `${ids.length} department(s) the run changed were changed again later (${ids.slice(0, 10).join(', ')}${ids.length > 10 ? ', …' : ''}); nothing was written. Revert the later runs first, or use --force to overwrite their changes.`,
    );
  }
}

const toConflict = (e: HistoryEntry): RevertConflict => ({ departmentId: e.departmentId, action: e.action, runId: e.runId, requestId: e.requestId, actor: e.actor, at: e.at });

export async function revertRun(repos: RevertPorts, req: RevertRequest): Promise<RevertReport> {
  const target = await repos.runs.getRun(req.runId);
  if (!target) throw new RunNotFoundError(req.runId);
  if (target.dryRun || !target.organizationId || (target.status !== 'completed' && target.status !== 'completed_with_errors')) {
    throw new RunNotRevertibleError(`run ${req.runId} is ${target.dryRun ? 'a dry run' : target.status}: only a finished run that wrote changes can be reverted`);
  }
  const org = await repos.organizations.findById(target.organizationId);
  if (!org) throw new RunNotRevertibleError(`the organization of run ${req.runId} no longer exists`);
  const dryRun = req.dryRun ?? false;
  const revertId = await repos.runs.createRun({
    organizationId: org.id,
    organizationCode: org.code,
    sourceName: `revert of ${req.runId}`,
    mode: 'upsert',
    // Everything an approval needs to plan the revert again (revertApproval.ts).
    options: { revertOf: req.runId, force: req.force ?? false, dryRun, maxDeactivate: req.maxDeactivate ?? DEFAULT_REVERT_MAX_DEACTIVATE, ...(req.maxDepth === undefined ? {} : { maxDepth: req.maxDepth }) },
    dryRun,
    status: 'running',
    parentRunId: req.runId,
    // Four eyes: who asked for a held revert may not approve it (approveRun.ts).
    submittedBy: req.actor,
  });
  let report: RevertReport;
  try {
    report = await repos.lock.withOrganizationLock(org.code, (trx) => revertUnderLock(repos, req, target, org, revertId, trx), { timeoutSeconds: req.lockTimeoutSeconds });
  } catch (err) {
    const code = err instanceof OrgsyncError ? err.code : 'INTERNAL_ERROR';
    if (await repos.runs.failRun(revertId, { code, message: err instanceof Error ? err.message : String(err) }).catch(() => false)) await announceRunEnded(repos, revertId);
    if (err instanceof RevertConflictError) throw new RevertConflictError(revertId, err.conflicts);
    throw err;
  }
  // Committed; never throws. A dry run announces what any dry run does; a held revert, run.needs_approval.
  await announceRunEnded(repos, revertId, dryRun || report.status === 'needs_approval' ? {} : { event: 'run.reverted' });
  return report;
}

function wroteSomething(run: ImportRunRecord): boolean {
  const c = run.counts;
  return c !== null && c.created + c.updated + c.moved + c.deactivated + (c.membersAdded ?? 0) + (c.membersRemoved ?? 0) > 0;
}

async function revertUnderLock(repos: RevertPorts, req: RevertRequest, target: ImportRunRecord, org: Organization, revertId: string, trx: Tx): Promise<RevertReport> {
  const lockAcquiredAt = new Date();
  const planned = await planRevert(repos, target, org, { ...req, revertId }, trx);
  const { plan, overridden } = planned;
  const dryRun = req.dryRun ?? false;
  const base = { runId: revertId, revertedRunId: req.runId, organizationCode: org.code, dryRun, counts: plan.counts, changes: 0, overridden };
  if (planned.deactivating > planned.limit) {
    // Like a queued sync over its threshold: held with its plan, nothing written (a dry run only reports it).
    const error = dryRun ? dryRevertOverThreshold(planned.deactivating, planned.active, planned.limit) : revertHeldOverThreshold(revertId, req.runId, planned.deactivating, planned.active, planned.limit);
    if (dryRun) {
      await repos.runs.insertRowResults(revertId, plan, new Map(), trx);
      await repos.runs.finishRun(revertId, { status: 'needs_approval', counts: plan.counts, error, lockAcquiredAt }, trx);
    } else {
      const fingerprint = departmentsFingerprint(org, planned.stored);
      await holdPlan(repos, trx, { runId: revertId, plan, fingerprint, error, warnings: [], from: 'running', lockAcquiredAt });
    }
    return { ...base, status: 'needs_approval', error };
  }
  const written = dryRun ? 0 : await applyRevertPlan(repos, org, plan, { runId: revertId, requestId: req.requestId ?? null, actor: req.actor }, trx);
  await repos.runs.insertRowResults(revertId, plan, new Map(), trx);
  await repos.runs.finishRun(revertId, { status: 'completed', counts: plan.counts, organizationId: org.id, lockAcquiredAt }, trx);
  return { ...base, status: 'completed', changes: written };
}

/** Writes a revert plan with its history rows; returns how many history rows it wrote. */
export async function applyRevertPlan(repos: RevertPorts, org: Organization, plan: ImportPlan, origin: { runId: string; requestId: string | null; actor: string }, trx: Tx): Promise<number> {
  const now = new Date();
  await repos.departments.applyPlan(trx, org, plan, { runId: origin.runId, now });
  if (plan.members) await repos.members.applyMembers(trx, org, plan.members, { runId: origin.runId, now });
  return repos.history.record(trx, org.id, changesOfPlan(plan), origin, now);
}

export interface PlannedRevert {
  plan: ImportPlan;
  overridden: RevertConflict[];
  stored: StoredDepartment[];
  deactivating: number;
  active: number;
  limit: number;
}

/** The revert of `target` as a plan, from its history and what is stored now; throws when it cannot be reverted. */
export async function planRevert(
  repos: RevertPorts,
  target: ImportRunRecord,
  org: Organization,
  req: { revertId: string; force?: boolean; maxDepth?: number; maxDeactivate?: DeactivationLimit },
  trx: Tx,
): Promise<PlannedRevert> {
  const changes = await repos.history.ofRun(target.id, trx);
  if (changes.length === 0 && wroteSomething(target)) {
    // Its history was pruned (ORGSYNC_HISTORY_RETENTION_DAYS): a "revert" that changes nothing would mislead.
    throw new RunNotRevertibleError(`run ${target.id} changed departments, but its history is no longer kept (pruned after ORGSYNC_HISTORY_RETENTION_DAYS): it cannot be reverted`);
  }
  const overridden = await laterChanges(repos, org, target.id, changes, trx);
  if (overridden.length > 0 && !req.force) throw new RevertConflictError(req.revertId, overridden);

  const stored = await repos.departments.loadForOrganization(org.id, trx);
  const plan = planImport({ organization: org, rows: revertRows(changes), stored, options: { mode: 'upsert', matchBy: 'id', maxDepth: req.maxDepth }, newId: newDepartmentId });
  if (plan.errors.length > 0) {
    const e = plan.errors[0]!;
    throw new RunNotRevertibleError(`the departments cannot be put back as they were: ${e.code} (${e.field}): ${e.message}${plan.errors.length > 1 ? ` (and ${plan.errors.length - 1} more)` : ''}`);
  }
  // Every row is keyed by the id of a stored department (departments are never deleted).
  if (plan.creates.length > 0) throw new Error(`revert: ${plan.creates.length} departments of run ${target.id} are no longer stored`);
  if (changes.some((c) => c.action === 'member_added' || c.action === 'member_removed')) {
    const members = revertMembers(changes, await repos.members.loadForOrganization(org.id, trx));
    if (members) {
      plan.members = members;
      plan.counts.membersAdded = membershipCount(members.adds);
      plan.counts.membersRemoved = membershipCount(members.removes);
    }
  }
  const active = stored.filter((d) => d.isActive).length;
  const deactivating = countDeactivations(plan);
  return { plan, overridden, stored, deactivating, active, limit: deactivationLimit(req.maxDeactivate ?? DEFAULT_REVERT_MAX_DEACTIVATE, active) };
}

/** Changes to the run's departments written after the run's own last change to each, by anything else. */
async function laterChanges(repos: RevertPorts, org: Organization, runId: string, changes: readonly HistoryEntry[], trx: Tx): Promise<RevertConflict[]> {
  if (changes.length === 0) return [];
  const lastOfRun = new Map<string, number>();
  for (const c of changes) lastOfRun.set(c.departmentId, Math.max(lastOfRun.get(c.departmentId) ?? 0, c.id));
  const later = await repos.history.laterChanges(org.id, [...lastOfRun.keys()], changes[0]!.id, runId, trx);
  return later.filter((e) => e.id > (lastOfRun.get(e.departmentId) ?? Infinity)).map(toConflict);
}

/**
 * A revert deactivates the departments its run created: the planner's
 * `updated` for those rows is counted as `deactivated`, as a sync's report
 * would, and they count against --max-deactivate.
 */
function countDeactivations(plan: ImportPlan): number {
  const deactivating = new Set(plan.updates.filter((u) => u.before.isActive && !u.after.isActive).map((u) => u.after.id));
  for (const r of plan.rowResults) {
    if (r.departmentId !== undefined && deactivating.has(r.departmentId) && (r.action === 'updated' || r.action === 'moved')) {
      plan.counts[r.action]--;
      plan.counts.deactivated++;
    }
  }
  return deactivating.size;
}
