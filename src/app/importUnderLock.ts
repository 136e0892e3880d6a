/**
 * The part of an import run that holds its organization's lock, as steps:
 * load what is stored, plan (or take the approved plan), decide what the run
 * does with it, then apply it, hold it or record it, all in one transaction.
 */
import { FileError } from '../core/errors.js';
import { changesOfPlan, UNKNOWN_ACTOR } from '../core/history/changes.js';
import { resolveRetriedRowsIn } from './retryResolution.js';
import type { ImportOptions } from '../core/importOptions.js';
import type { ImportPlan, Organization, StoredDepartment } from '../core/model.js';
import { deactivationLimit } from '../core/plan/index.js';
import { LoadTextSharing } from '../core/plan/loadTextSharing.js';
import { failedRecords, planShapedRows, type ShapedFile } from '../core/pipeline.js';
import type { RunStatus } from '../core/runLifecycle.js';
import { outcomes, type RunOutcome } from '../core/runOutcome.js';
import { newDepartmentId, newOrganizationId } from '../ids.js';
import { buildPlanPreview, type PlanPreview } from '../core/plan/preview.js';
import { approvedPlan, departmentsFingerprint, dryRunOverThreshold, heldAgain, heldOverThreshold, holdPlan, releaseHeldPlan, storePlanPreview } from './heldPlan.js';
import type { ImportProgress, ThresholdPolicy } from './importRequest.js';
import type { Repositories, Tx } from './ports.js';

/** What the steps under the lock read and write. */
// history is optional only for the in-memory fakes of unit tests: repositories() always builds it.
export type LockedRunPorts = Pick<Repositories, 'runs' | 'departments' | 'organizations' | 'members' | 'staging'> & Partial<Pick<Repositories, 'history'>>;

/** A started run, as the steps under the lock need it. */
export interface LockedRun {
  repos: LockedRunPorts;
  runId: string;
  organizationCode: string;
  options: ImportOptions;
  policy: ThresholdPolicy;
  /** The status the run finishes from: needs_approval while being approved; unset: the repository's default. */
  from?: readonly RunStatus[];
  /**
   * The file, read and shaped: still being read when the run's lock came
   * first (importService.ts), so the stored departments load meanwhile.
   */
  file: Promise<ShapedFile>;
  /** Warnings of the read so far (the plan's are added): read once the file is. */
  warnings: readonly string[];
  onProgress?: (p: ImportProgress) => void;
  /** Who the history records as making the run's changes (see core/history/changes.ts); unset: `unknown`. */
  actor?: string;
}

/** What a run does with its plan; failures are thrown, never decided. */
type Decision = Extract<RunOutcome, { kind: 'applied' | 'dry-run' | 'held' | 'atomic-aborted' }>;

export interface Decided {
  plan: ImportPlan;
  outcome: Decision;
  /** Dry runs and held runs: the plan as a person reviews it. */
  preview?: PlanPreview;
}

/** What planning needs besides the options: the file and what is stored. */
interface Loaded {
  shaped: ShapedFile;
  view: StoredView;
}

interface StoredView {
  org: Organization;
  /** The organization is created by this run (it does not exist yet). */
  createOrg: boolean;
  departments: StoredDepartment[];
}

/** Runs inside withOrganizationLock; null when another attempt finished the run while this one waited. */
export async function planUnderLock(run: LockedRun, trx: Tx): Promise<Decided | null> {
  const approving = run.policy === 'approve';
  // First statement under the lock: if another attempt finished the run
  // while this one waited, stop here and report what it did.
  const { runs, departments, organizations, members } = run.repos;
  if (!(await runs.isStill(run.runId, approving ? 'needs_approval' : 'running', trx))) return null;
  const lockAcquiredAt = new Date();
  const { shaped, view } = await fileAndStoredView(run, trx);
  // Only an approval or a held plan needs it: hashing every stored department
  // as JSON cost every import ~0.1-0.3 s per 100,000 (planning keeps the values as they are).
  const fingerprint = () => departmentsFingerprint(view.createOrg ? undefined : view.org, view.departments);
  const held = approving ? await approvedPlan(run.repos, trx, run.runId, fingerprint()) : undefined;
  const plan = held ?? (await planFile(run, shaped, view, trx));
  const warnings = [...run.warnings, ...plan.warnings];
  const outcome = decide(run, view, plan, held !== undefined);
  // Only what a person reviews gets a preview: building one costs a pass over the stored tree.
  const preview = outcome.kind === 'held' || outcome.kind === 'dry-run' ? await previewOf(run, view, plan, trx) : undefined;
  if (preview) await storePlanPreview(run.repos, trx, run.runId, preview);

  // A dry run over the threshold is reported as needs_approval, but holds nothing: it cannot be approved.
  if (outcome.kind === 'held' && !run.options.dryRun) {
    await holdPlan(run.repos, trx, { runId: run.runId, plan, fingerprint: fingerprint(), error: outcome.fileError, warnings, from: approving ? 'needs_approval' : 'running', lockAcquiredAt });
    return { plan, outcome, ...(preview ? { preview } : {}) };
  }
  if (outcome.kind === 'applied') {
    // Progress per written batch: only created and changed departments are written.
    const rowsTotal = plan.creates.length + plan.updates.length + plan.deactivations.length;
    run.onProgress?.({ phase: 'writing', rowsDone: 0, rowsTotal });
    if (view.createOrg) await organizations.create(view.org, trx);
    // In the run's transaction: the history holds exactly what was committed. The creates are
    // one history row, written first (its id is stored with each created department, in the
    // same INSERT): not a history row per new department (adapters/db/historyBatch.ts).
    const history = run.repos.history;
    const origin = { runId: run.runId, actor: run.actor ?? UNKNOWN_ACTOR };
    const createdHistoryId = history && plan.creates.length > 0 ? await history.recordCreates(trx, view.org.id, origin, new Date()) : null;
    const at = { runId: run.runId, now: new Date(), createdHistoryId };
    await departments.applyPlan(trx, view.org, plan, at, (rowsDone) => run.onProgress?.({ phase: 'writing', rowsDone, rowsTotal }));
    if (plan.members) await members.applyMembers(trx, view.org, plan.members, { runId: run.runId, now: new Date() });
    await history?.record(trx, view.org.id, changesOfPlan(plan, { creates: 'batch' }), origin, new Date());
  }
  // Dry runs and atomic aborts are recorded under the lock like an applied run,
  // so that a concurrent attempt of the same run finds it finished instead of
  // recording it twice.
  await runs.insertRowResults(run.runId, plan, failedRecords(shaped, plan), trx);
  // A retry resolves its original's rows in the same transaction as it finishes.
  if (outcome.kind === 'applied') await resolveRetriedRowsIn(run.repos, trx, run.runId, plan);
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
  if (outcome.kind === 'applied' && approving) {
    await releaseHeldPlan(run.repos, trx, run.runId);
    await runs.recordApproval(run.runId, run.actor ?? 'unknown', new Date(), trx);
  }
  return { plan, outcome, ...(preview ? { preview } : {}) };
}

async function previewOf(run: LockedRun, view: StoredView, plan: ImportPlan, trx: Tx): Promise<PlanPreview> {
  const memberships = view.createOrg ? new Map<string, Set<string>>() : await run.repos.members.loadForOrganization(view.org.id, trx);
  return buildPlanPreview({ plan, stored: view.departments, memberships });
}

/**
 * The file and the stored view, the second loaded while the first may still
 * be read. Both settle before either's failure is thrown (nothing runs on
 * the transaction after it ends), and a failed read wins: it is what the run
 * reported when the file was read before the lock.
 */
async function fileAndStoredView(run: LockedRun, trx: Tx): Promise<Loaded> {
  // Departments the load receives once the file is read take its text (loadTextSharing.ts).
  const sharing = new LoadTextSharing();
  const file = run.file.then((shaped) => {
    sharing.use(shaped.rows);
    return shaped;
  });
  const [read, stored] = await Promise.allSettled([file, loadStored(run, sharing, trx)]);
  sharing.release();
  if (read.status === 'rejected') throw read.reason;
  if (stored.status === 'rejected') throw stored.reason;
  const shaped = read.value;
  if (stored.value) return { shaped, view: stored.value };
  const { options: opts, organizationCode: code } = run;
  if (!opts.createOrg) {
    throw new FileError('ORGANIZATION_NOT_FOUND', `organization "${code}" does not exist; create it with --create-org or "orgsync org create ${code}"`);
  }
  const name = opts.orgName ?? shaped.documentOrganization?.name ?? code;
  return { shaped, view: { org: { id: newOrganizationId(), code, name, nameScope: opts.nameScope }, createOrg: true, departments: [] } };
}

/** The organization and its departments as stored; undefined when it does not exist. */
async function loadStored(run: LockedRun, sharing: LoadTextSharing, trx: Tx): Promise<StoredView | undefined> {
  const found = await run.repos.organizations.findByCode(run.organizationCode, trx);
  return found ? { org: found, createOrg: false, departments: await run.repos.departments.loadForImport(found.id, sharing.share, trx) } : undefined;
}

async function planFile(run: LockedRun, shaped: ShapedFile, view: StoredView, trx: Tx): Promise<ImportPlan> {
  // Stored memberships matter only with a member column.
  const members = shaped.members && !view.createOrg ? await run.repos.members.loadForOrganization(view.org.id, trx) : undefined;
  return planShapedRows(shaped, { organization: view.org, departments: view.departments, ...(members ? { members } : {}) }, run.options, newDepartmentId);
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
    if (deactivations > limit && opts.dryRun) return outcomes.held(dryRunOverThreshold(deactivations, active, limit));
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
