/**
 * Plans held for approval. A sync that would deactivate more than its
 * threshold allows can stop as `needs_approval` instead of failing: its plan
 * is stored with a fingerprint of the departments it was made from, and
 * `orgsync approve` applies exactly that plan, but only while the fingerprint
 * still matches (anything else would apply decisions made on stale data).
 */
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import type { ImportPlan, Organization, StoredDepartment } from '../core/model.js';
import { heldMembersPlan } from '../core/members/plan.js';
import type { PlanPreview } from '../core/plan/preview.js';
import type { RunProblem } from '../core/runOutcome.js';
import type { ImportRunStatus, Repositories, RunError, Tx } from './ports.js';

type HeldPlanPorts = Pick<Repositories, 'runs' | 'staging'>;

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/**
 * A hash of everything a plan depends on besides the input: the organization
 * (or its absence) and every stored department with every field. `stored`
 * comes from loadForOrganization, in its order (MySQL/MariaDB: by depth, then
 * id; SQLite: by id), with a fixed field order. (A plan held before the load's
 * order changed, on 2026-12-05, no longer matches: its approval is refused as
 * if the departments had changed, and the import is run again.)
 */
export function departmentsFingerprint(org: Organization | undefined, stored: readonly StoredDepartment[]): string {
  const hash = createHash('sha256');
  hash.update(org ? `${org.id}\n${org.code}\n${org.nameScope}\n` : 'no organization\n');
  for (const d of stored) hash.update(`${JSON.stringify(d)}\n`);
  return hash.digest('hex');
}

export interface Hold {
  runId: string;
  plan: ImportPlan;
  fingerprint: string;
  error: RunError;
  warnings: readonly string[];
  /** The status the run holds from: running, or needs_approval when an approval re-planned it. */
  from: ImportRunStatus;
  lockAcquiredAt: Date;
}

/** Why a sync was held instead of applied: what the report and the failed job say. */
export function heldOverThreshold(runId: string, deactivations: number, active: number, limit: number): RunProblem<'DEACTIVATION_THRESHOLD_EXCEEDED'> {
  return {
    code: 'DEACTIVATION_THRESHOLD_EXCEEDED',
    message: `this sync would deactivate ${deactivations} of ${active} active departments; --max-deactivate allows ${limit}. Nothing was written. If the file is a complete export, run "orgsync approve ${runId}" to apply exactly this plan.`,
  };
}

/** A dry run over the threshold: reported like a held sync (needs_approval, real counts, the plan), but it cannot be approved. */
export function dryRunOverThreshold(deactivations: number, active: number, limit: number): RunProblem<'DEACTIVATION_THRESHOLD_EXCEEDED'> {
  return {
    code: 'DEACTIVATION_THRESHOLD_EXCEEDED',
    message:
      `this dry run would deactivate ${deactivations} of ${active} active departments; --max-deactivate allows ${limit}. Nothing was written. ` +
      'A real run would be held for approval when queued (orgsync enqueue, the HTTP API) and refused by orgsync import: review the plan, then approve the real run or raise --max-deactivate.',
  };
}

/** A revert over its threshold, held like a queued sync (app/revertRun.ts). */
export function revertHeldOverThreshold(runId: string, revertedRunId: string, deactivations: number, active: number, limit: number): RunProblem<'DEACTIVATION_THRESHOLD_EXCEEDED'> {
  return {
    code: 'DEACTIVATION_THRESHOLD_EXCEEDED',
    message: `this revert of run ${revertedRunId} would deactivate ${deactivations} of ${active} active departments (the ones it created); --max-deactivate allows ${limit}. Nothing was written. Run "orgsync approve ${runId}" (another token than the one that asked, over HTTP) to apply exactly this plan.`,
  };
}

/** A dry run of a revert over its threshold: reported as needs_approval, holds nothing. */
export function dryRevertOverThreshold(deactivations: number, active: number, limit: number): RunProblem<'DEACTIVATION_THRESHOLD_EXCEEDED'> {
  return {
    code: 'DEACTIVATION_THRESHOLD_EXCEEDED',
    message: `this dry run of a revert would deactivate ${deactivations} of ${active} active departments; --max-deactivate allows ${limit}. Nothing was written. A real revert would be held for approval.`,
  };
}

/** An approval that found the departments changed since its plan was made. */
export function heldAgain(runId: string, organizationCode: string, deactivations: number): RunProblem<'DEACTIVATION_THRESHOLD_EXCEEDED'> {
  return {
    code: 'DEACTIVATION_THRESHOLD_EXCEEDED',
    message: `the departments of "${organizationCode}" changed since this plan was made, so it was not applied; planned again, it would deactivate ${deactivations}. Nothing was written. Review it and run "orgsync approve ${runId}" again.`,
  };
}

/** Stores the plan (gzipped JSON, chunked) and stops the run as needs_approval, inside the import's transaction. */
export async function holdPlan({ runs, staging }: HeldPlanPorts, trx: Tx, hold: Hold): Promise<void> {
  const bytes = await gzipAsync(Buffer.from(JSON.stringify(hold.plan), 'utf8'));
  await staging.write(hold.runId, 'plan', [bytes], trx);
  await runs.holdForApproval(
    hold.runId,
    { counts: hold.plan.counts, error: hold.error, fingerprint: hold.fingerprint, warnings: hold.warnings, from: hold.from, lockAcquiredAt: hold.lockAcquiredAt },
    trx,
  );
}

/** The held plan, if the departments are still exactly those it was made from; undefined otherwise. */
export async function approvedPlan({ runs, staging }: HeldPlanPorts, trx: Tx, runId: string, fingerprint: string): Promise<ImportPlan | undefined> {
  const run = await runs.getRun(runId, trx);
  if (run?.planFingerprint !== fingerprint) return undefined;
  const bytes = await staging.readAll(runId, 'plan', trx);
  if (!bytes) return undefined;
  const plan = JSON.parse((await gunzipAsync(bytes)).toString('utf8')) as ImportPlan;
  if (plan.members) plan.members = heldMembersPlan(plan.members);
  return plan;
}

/** After the approved plan was applied: nothing is held any more. */
export async function releaseHeldPlan({ staging }: Pick<Repositories, 'staging'>, trx: Tx, runId: string): Promise<void> {
  await staging.remove(runId, ['plan'], trx);
}

/**
 * The plan as reviewed (core/plan/preview.ts), for dry runs and held runs:
 * kept after an approval, so the report shows what was approved.
 */
export async function storePlanPreview({ staging }: Pick<Repositories, 'staging'>, trx: Tx, runId: string, preview: PlanPreview): Promise<void> {
  await staging.write(runId, 'preview', [await gzipAsync(Buffer.from(JSON.stringify(preview), 'utf8'))], trx);
}

/** The stored plan preview of a run, if it has one (dry runs and held runs). */
export async function loadPlanPreview({ staging }: Pick<Repositories, 'staging'>, runId: string): Promise<PlanPreview | undefined> {
  const bytes = await staging.readAll(runId, 'preview');
  return bytes ? (JSON.parse((await gunzipAsync(bytes)).toString('utf8')) as PlanPreview) : undefined;
}
