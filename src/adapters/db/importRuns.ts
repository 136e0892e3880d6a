/**
 * The runs repository: every statement on import_runs (the run history `orgsync
 * runs` shows, and the state queued runs need), plus the per-row results
 * (rowResults.ts). The ONE place a run's status changes.
 *
 * Every status change is one guarded statement, `UPDATE ... WHERE id = ? AND
 * status IN (from-states)`, whose from-states come from the lifecycle table
 * (core/runLifecycle.ts), and which says whether it happened: a re-delivered
 * job, a second worker or a late sweep cannot apply a change twice, nor one the
 * table does not allow. The transaction, when a method takes part in one, is
 * always the last argument, and optional.
 */
import type { Knex } from 'knex';
import type { ImportCounts, InputFormat, JsonValue } from '../../core/model.js';
import { canTransition, guardFor, INITIAL_RUN_STATUSES, type RunOwner } from '../../core/runLifecycle.js';
import { normaliseOrganizationCode } from '../../core/organizationCode.js';
import { newRunId } from '../../ids.js';
import type { Db } from './connection.js';
import { queuedRunQueries } from './queuedRunQueries.js';
import { rowResultsStore } from './rowResults.js';
import type { FinishRun, ImportRunRecord, ImportRunStatus, NewImportRun, RunError, RunRow } from './runRecords.js';
import { toRun } from './runRecords.js';
import { TABLES } from './tables.js';
import { TEXT_MAX_CHARS, truncate, truncateOrNull } from './text.js';
import { toDbDateTime, toDbJson } from './values.js';

export type { FinishRun, ImportRunRecord, ImportRunStatus, NewImportRun, RunError } from './runRecords.js';
export type { FailedRow, RowResultsInput, StoredRowAction, StoredRowResult } from './rowResults.js';
export type { UnfinishedJobRun } from './queuedRunQueries.js';
export { FINAL_RUN_STATUSES } from '../../core/runLifecycle.js';

/** The code a run whose owner vanished fails with (see failAbandoned). */
export const RUN_ABANDONED = 'RUN_ABANDONED';

const leaseUntil = (owner: RunOwner, now = new Date()): string => toDbDateTime(new Date(now.getTime() + owner.leaseSeconds * 1000));

/** The columns that say why a run failed, or that it did not. */
function errorColumns(error: RunError | null | undefined): Record<string, unknown> {
  return {
    error_code: truncateOrNull(error?.code, 64),
    error_message: truncateOrNull(error?.message, TEXT_MAX_CHARS),
    error_line: error?.line ?? null,
  };
}

export function importRunsRepo(db: Db) {
  const runs = (trx?: Knex.Transaction) => (trx ?? db.knex)(TABLES.importRuns);

  /**
   * The one guarded statement every status change goes through. `only`
   * narrows the table's from-states (it may not widen them); `where` adds a
   * condition (the lease the sweep found expired). True when the run changed.
   */
  async function transition(
    id: string,
    to: ImportRunStatus,
    patch: Record<string, unknown>,
    guard: { only?: readonly ImportRunStatus[]; where?: (q: Knex.QueryBuilder) => void } = {},
    trx?: Knex.Transaction,
  ): Promise<boolean> {
    const query = runs(trx).where('id', id).whereIn('status', guardFor(to, guard.only));
    guard.where?.(query);
    return (await query.update({ ...patch, status: to })) > 0;
  }

  return {
    ...rowResultsStore(db),
    ...queuedRunQueries(db),

    async createRun(input: NewImportRun, trx?: Knex.Transaction): Promise<string> {
      const id = input.id ?? newRunId();
      const status = input.status ?? 'queued';
      if (!INITIAL_RUN_STATUSES.includes(status)) throw new Error(`run lifecycle: a run cannot be created ${status}`);
      const now = input.createdAt ?? new Date();
      await runs(trx).insert({
        id,
        organization_id: input.organizationId ?? null,
        organization_code: truncate(normaliseOrganizationCode(input.organizationCode), 191),
        source_name: truncate(input.sourceName, 1024),
        input_sha256: input.inputSha256 ?? null,
        format: input.format ?? null,
        mode: input.mode,
        options: toDbJson(input.options),
        dry_run: input.dryRun,
        status,
        counts: null,
        created_at: toDbDateTime(now),
        parent_run_id: input.parentRunId ?? null,
        job_name: input.jobName ?? null,
        active_submission_key: input.activeSubmissionKey ?? null,
        owner_id: status === 'running' && input.owner ? input.owner.id : null,
        lease_expires_at: status === 'running' && input.owner ? leaseUntil(input.owner) : null,
        ...(input.submittedBy ? { submitted_by: truncate(input.submittedBy, 191) } : {}),
      });
      return id;
    },

    /** Who approved a held run and when (migration 0009); written in the approval's transaction. */
    async recordApproval(runId: string, approvedBy: string, at: Date, trx?: Knex.Transaction): Promise<void> {
      await runs(trx).where('id', runId).update({ approved_by: truncate(approvedBy, 191), approved_at: toDbDateTime(at) });
    },

    /**
     * queued/running -> running, counting the attempt, leased to `owner`. False
     * when the run is already finished (a re-delivered job, a second worker):
     * the caller must then not run it again.
     */
    async startRun(id: string, owner?: RunOwner, trx?: Knex.Transaction): Promise<boolean> {
      const patch: Record<string, unknown> = { started_at: toDbDateTime(new Date()), attempts: db.knex.raw('?? + 1', ['attempts']) };
      if (owner) Object.assign(patch, { owner_id: owner.id, lease_expires_at: leaseUntil(owner) });
      return transition(id, 'running', patch, { only: ['queued', 'running'] }, trx);
    },

    /** What reading the file revealed: the organization (when the file names it), hash, format and columns. */
    async recordInput(
      id: string,
      input: { organizationCode?: string; sha256?: string; format?: InputFormat; columns?: readonly string[] },
      trx?: Knex.Transaction,
    ): Promise<void> {
      const patch: Record<string, unknown> = {};
      if (input.organizationCode !== undefined) patch.organization_code = truncate(normaliseOrganizationCode(input.organizationCode), 191);
      if (input.sha256 !== undefined) patch.input_sha256 = input.sha256;
      if (input.format !== undefined) patch.format = input.format;
      if (input.columns !== undefined) patch.input_columns = toDbJson(input.columns);
      if (Object.keys(patch).length > 0) await runs(trx).where('id', id).update(patch);
    },

    /** -> completed | completed_with_errors | failed. False when the run was not in a `from` status (already finished by another attempt). */
    async finishRun(id: string, result: FinishRun, trx?: Knex.Transaction): Promise<boolean> {
      const patch: Record<string, unknown> = {
        counts: toDbJson(result.counts),
        ...errorColumns(result.error),
        finished_at: toDbDateTime(result.finishedAt ?? new Date()),
        // No longer queued or running: an identical submission now makes a new run.
        active_submission_key: null,
      };
      if (result.organizationId !== undefined) patch.organization_id = result.organizationId;
      if (result.warnings !== undefined) patch.warnings = toDbJson(result.warnings);
      if (result.lockAcquiredAt !== undefined) patch.lock_acquired_at = toDbDateTime(result.lockAcquiredAt);
      // By default only an unfinished run finishes (queued only to failed: a run that never started).
      const only = result.from ?? (['queued', 'running'] as const).filter((from) => canTransition(from, result.status));
      return transition(id, result.status, patch, { only }, trx);
    },

    /** queued/running -> failed, for a run that cannot run or whose job is gone for good. */
    async failRun(id: string, error: RunError, trx?: Knex.Transaction): Promise<boolean> {
      return transition(id, 'failed', { ...errorColumns(error), finished_at: toDbDateTime(new Date()), active_submission_key: null }, { only: ['queued', 'running'] }, trx);
    },

    /** running -> cancelled: the owner was told to stop (SIGINT/SIGTERM) and rolled its transaction back. */
    async cancelRun(id: string, error: RunError, trx?: Knex.Transaction): Promise<boolean> {
      return transition(id, 'cancelled', { ...errorColumns(error), finished_at: toDbDateTime(new Date()), active_submission_key: null }, { only: ['running'] }, trx);
    },

    /** queued -> skipped: a scheduled sync with nothing new to import, recorded so the history says it fired. */
    async skipRun(id: string, reason: RunError, trx?: Knex.Transaction): Promise<boolean> {
      return transition(id, 'skipped', { ...errorColumns(reason), finished_at: toDbDateTime(new Date()), active_submission_key: null }, { only: ['queued'] }, trx);
    },

    /** running (or a re-planned needs_approval) -> needs_approval: stops the run to wait for `orgsync approve`. */
    async holdForApproval(
      runId: string,
      hold: { counts: ImportCounts; error: RunError; fingerprint: string; warnings: readonly string[]; from: ImportRunStatus; lockAcquiredAt: Date },
      trx?: Knex.Transaction,
    ): Promise<boolean> {
      const patch = {
        counts: toDbJson(hold.counts),
        ...errorColumns({ code: hold.error.code, message: hold.error.message }),
        warnings: toDbJson(hold.warnings),
        plan_fingerprint: hold.fingerprint,
        lock_acquired_at: toDbDateTime(hold.lockAcquiredAt),
        finished_at: toDbDateTime(new Date()),
        active_submission_key: null,
      };
      return transition(runId, 'needs_approval', patch, { only: [hold.from] }, trx);
    },

    /** failed -> queued: back in the queue's hands, for a retry of its job from the dashboard. */
    async reopenRun(runId: string, trx?: Knex.Transaction): Promise<boolean> {
      return transition(runId, 'queued', { ...errorColumns(null), finished_at: null, counts: null, progress: null, owner_id: null, lease_expires_at: null }, {}, trx);
    },

    /**
     * The owner's heartbeat: pushes the lease of every run it is running `leaseSeconds` ahead.
     * Returns how many runs it holds.
     */
    async renewLeases(owner: RunOwner, trx?: Knex.Transaction): Promise<number> {
      return runs(trx).where({ owner_id: owner.id, status: 'running' }).update({ lease_expires_at: leaseUntil(owner) });
    },

    /**
     * running -> failed (RUN_ABANDONED) for in-process runs whose owner's lease
     * expired before `now`: the process died without finishing them. Queue runs
     * are left to BullMQ's stalled-job recovery and the orphan sweep: another
     * worker takes them over. The lease is checked again in the guarded
     * statement, so an owner renewing meanwhile keeps its run. A run without a
     * lease (from before migration 0005, or started by a caller that named no
     * owner) is never judged: nobody vouched for it, so nobody can tell it died.
     */
    async failAbandoned(now = new Date(), trx?: Knex.Transaction): Promise<string[]> {
      const at = toDbDateTime(now);
      const rows = (await runs(trx)
        .select('id', 'owner_id')
        .where('status', 'running')
        .whereNull('job_name')
        .where('lease_expires_at', '<', at)
        .limit(1000)) as { id: string; owner_id: string | null }[];
      const failed: string[] = [];
      for (const row of rows) {
        const error = { code: RUN_ABANDONED, message: `the process running this import (${row.owner_id ?? 'unknown'}) stopped without finishing it; nothing of it was written. Run the import again.` };
        const patch = { ...errorColumns(error), finished_at: at, active_submission_key: null };
        if (await transition(row.id, 'failed', patch, { only: ['running'], where: (q) => q.where('lease_expires_at', '<', at) }, trx)) failed.push(row.id);
      }
      return failed;
    },

    /**
     * The run's first statement under its organization's lock: is the run still
     * `expected`? False when another attempt finished it while this one waited.
     * A plain read suffices, since attempts of one run share the organization's
     * lock, and takes no row lock, so progress writes on other connections
     * never wait for the import's transaction.
     */
    async isStill(runId: string, expected: ImportRunStatus, trx?: Knex.Transaction): Promise<boolean> {
      const row = (await runs(trx).select('status').where('id', runId).first()) as { status: string } | undefined;
      return row?.status === expected;
    },

    /**
     * Progress of a running run. An earlier phase arriving late (writes are not
     * awaited by the import) must never overwrite a finished run's; the final
     * 'done' may.
     */
    async setProgress(runId: string, progress: { phase: string } & Record<string, JsonValue>, trx?: Knex.Transaction): Promise<void> {
      const query = runs(trx).where('id', runId);
      if (progress.phase !== 'done') query.where('status', 'running');
      await query.update({ progress: toDbJson(progress) });
    },

    async getRun(id: string, trx?: Knex.Transaction): Promise<ImportRunRecord | undefined> {
      const row = (await runs(trx).select('*').where('id', id).first()) as RunRow | undefined;
      return row === undefined ? undefined : toRun(row);
    },

    /** Newest first. */
    async listRuns(
      filter: { organizationCode?: string; status?: ImportRunStatus; limit?: number } = {},
      trx?: Knex.Transaction,
    ): Promise<ImportRunRecord[]> {
      const query = runs(trx).select('*');
      if (filter.organizationCode !== undefined) query.where('organization_code', normaliseOrganizationCode(filter.organizationCode));
      if (filter.status !== undefined) query.where('status', filter.status);
      const rows = (await query
        .orderBy([
          { column: 'created_at', order: 'desc' },
          { column: 'id', order: 'desc' },
        ])
        .limit(filter.limit ?? 50)) as RunRow[];
      return rows.map(toRun);
    },
  };
}

export type ImportRunsRepo = ReturnType<typeof importRunsRepo>;
