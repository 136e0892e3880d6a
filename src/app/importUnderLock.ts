/**
 * The part of an import run that holds its organization's lock, as steps:
 * load what is stored, plan (or take the approved plan), decide what the run
 * does with it, then apply it, hold it or record it, all in one transaction.
 */
import type { Knex } from 'knex';
import { FileError } from '../core/errors.js';
import type { ImportOptions } from '../core/importOptions.js';
import type { ImportPlan, Organization, StoredDepartment } from '../core/model.js';
import { deactivationLimit } from '../core/plan/index.js';
import { planShapedRows, type ShapedFile } from '../core/pipeline.js';
import type { RunStatus } from '../core/runLifecycle.js';
import { outcomes, type RunOutcome } from '../core/runOutcome.js';
import type { Db } from '../adapters/db/index.js';
import { departmentsRepo, importRunsRepo, membersRepo, organizationsRepo } from '../adapters/db/index.js';
import { newDepartmentId, newOrganizationId } from '../ids.js';
import { approvedPlan, departmentsFingerprint, heldAgain, heldOverThreshold, holdPlan, releaseHeldPlan } from './heldPlan.js';
import type { ImportProgress, ThresholdPolicy } from './importRequest.js';

/** A started run, as the steps under the lock need it. */
export interface LockedRun {
  db: Db;
  runId: string;
  organizationCode: string;
  options: ImportOptions;
  policy: ThresholdPolicy;
  /** The status the run finishes from: needs_approval while being approved; unset: the repository's default. */
  from?: readonly RunStatus[];
  shaped: ShapedFile;
  /** Warnings of the read so far (the plan's are added). */
  warnings: readonly string[];
  failedRaw: (plan: ImportPlan) => Map<number, Record<string, unknown>>;
  onProgress?: (p: ImportProgress) => void;
}

/** What a run does with its plan; failures are thrown, never decided. */
type Decision = Extract<RunOutcome, { kind: 'applied' | 'dry-run' | 'held' | 'atomic-aborted' }>;

export interface Decided {
  plan: ImportPlan;
  outcome: Decision;
}

interface StoredView {
  org: Organization;
  /** The organization is created by this run (it does not exist yet). */
  createOrg: boolean;
  departments: StoredDepartment[];
}

/** Runs inside withOrganizationLock; null when another attempt finished the run while this one waited. */
export async function planUnderLock(run: LockedRun, trx: Knex.Transaction): Promise<Decided | null> {
  const approving = run.policy === 'approve';
  // First statement under the lock: if another attempt finished the run
  // while this one waited, stop here and report what it did.
  if (!(await importRunsRepo(run.db).isStill(run.runId, approving ? 'needs_approval' : 'running', trx))) return null;
  const lockAcquiredAt = new Date();
  const view = await loadStoredView(run, trx);
  const fingerprint = departmentsFingerprint(view.createOrg ? undefined : view.org, view.departments);
  const held = approving ? await approvedPlan(run.db, trx, run.runId, fingerprint) : undefined;
  const plan = held ?? (await planFile(run, view, trx));
  const warnings = [...run.warnings, ...plan.warnings];
  const outcome = decide(run, view, plan, held !== undefined);

  if (outcome.kind === 'held') {
    await holdPlan(run.db, trx, { runId: run.runId, plan, fingerprint, error: outcome.fileError, warnings, from: approving ? 'needs_approval' : 'running', lockAcquiredAt });
    return { plan, outcome };
  }
  const runs = importRunsRepo(run.db);
  if (outcome.kind === 'applied') {
    run.onProgress?.({ phase: 'writing', rowsDone: 0, rowsTotal: run.shaped.inputRows });
    if (view.createOrg) await organizationsRepo(run.db).create(view.org, trx);
    await departmentsRepo(run.db).applyPlan(trx, view.org, plan, { runId: run.runId, now: new Date() });
    if (plan.members) await membersRepo(run.db).applyMembers(trx, view.org, plan.members, { runId: run.runId, now: new Date() });
  }
  // Dry runs and atomic aborts are recorded under the lock like an applied run,
  // so that a concurrent attempt of the same run finds it finished instead of
  // recording it twice.
  await runs.insertRowResults(run.runId, plan, run.failedRaw(plan), trx);
  await runs.finishRun(
    run.runId,
    {
      status: outcome.status,
      counts: plan.counts,
      error: outcome.fileError,
      warnings,
      ...(run.from ? { from: run.from } : {}),
      lockAcquiredAt,
      ...(outcome.kind === 'applied' ? { organizationId: view.org.id } : {}),
    },
    trx,
  );
  if (outcome.kind === 'applied' && approving) await releaseHeldPlan(run.db, trx, run.runId);
  return { plan, outcome };
}

async function loadStoredView(run: LockedRun, trx: Knex.Transaction): Promise<StoredView> {
  const { options: opts, organizationCode: code } = run;
  const found = await organizationsRepo(run.db).findByCode(code, trx);
  if (found) return { org: found, createOrg: false, departments: await departmentsRepo(run.db).loadForOrganization(found.id, trx) };
  if (!opts.createOrg) {
    throw new FileError('ORGANIZATION_NOT_FOUND', `organization "${code}" does not exist; create it with --create-org or "orgsync org create ${code}"`);
  }
  const name = opts.orgName ?? run.shaped.documentOrganization?.name ?? code;
  return { org: { id: newOrganizationId(), code, name, nameScope: opts.nameScope }, createOrg: true, departments: [] };
}

async function planFile(run: LockedRun, view: StoredView, trx: Knex.Transaction): Promise<ImportPlan> {
  // Stored memberships matter only with a member column.
  const members = run.shaped.members && !view.createOrg ? await membersRepo(run.db).loadForOrganization(view.org.id, trx) : undefined;
  return planShapedRows(run.shaped, { organization: view.org, departments: view.departments, ...(members ? { members } : {}) }, run.options, newDepartmentId);
}

/** What the run does with its plan: apply it, hold it, record it without writing, or refuse (throws). */
function decide(run: LockedRun, view: StoredView, plan: ImportPlan, reusesHeldPlan: boolean): Decision {
  const { options: opts, policy } = run;
  const rowErrors = plan.errors.length;
  if (policy === 'approve' && !reusesHeldPlan) return outcomes.held(heldAgain(run.runId, run.organizationCode, plan.deactivations.length));
  if (opts.mode === 'sync' && policy !== 'approve') {
    const active = view.departments.filter((d) => d.isActive).length;
    const limit = deactivationLimit(opts.maxDeactivate, active);
    const deactivations = plan.deactivations.length;
    if (deactivations > limit && policy === 'hold') return outcomes.held(heldOverThreshold(run.runId, deactivations, active, limit));
    if (deactivations > limit) {
      throw new FileError(
        'DEACTIVATION_THRESHOLD_EXCEEDED',
        `this sync would deactivate ${deactivations} of ${active} active departments; --max-deactivate allows ${limit}. Nothing was written. Check the file is a complete export, or raise --max-deactivate.`,
        undefined,
        { wouldDeactivate: deactivations, active, limit },
      );
    }
  }
  if (opts.dryRun) return outcomes.dryRun(rowErrors);
  if (opts.atomic && rowErrors > 0) return outcomes.atomicAborted(rowErrors);
  return outcomes.applied(rowErrors);
}
