/**
 * The queries that queued runs need beyond the run history (importRuns.ts):
 * idempotent submission, progress, approval holds, the orphan sweep, and
 * marking the rows a retry resolved. Every status change is guarded by the
 * status it starts from, so a re-delivered job or a second worker cannot
 * apply a transition twice.
 */
import type { Knex } from 'knex';
import type { ImportCounts, JsonValue } from '../../core/model.js';
import { chunks } from './batch.js';
import type { Db } from './connection.js';
import type { ImportRunStatus, RunError } from './importRuns.js';
import { TABLES } from './tables.js';
import { TEXT_MAX_CHARS, truncate } from './text.js';
import { fromDbJson, toDbDateTime, toDbJson } from './values.js';

export interface UnfinishedJobRun {
  id: string;
  jobName: string;
  status: Extract<ImportRunStatus, 'queued' | 'running'>;
}

export interface FailedRow {
  rowNumber: number;
  raw: JsonValue | null;
}

export function runQueueRepo(db: Db) {
  const runs = (trx?: Knex.Transaction) => (trx ?? db.knex)(TABLES.importRuns);
  const rowResults = (trx?: Knex.Transaction) => (trx ?? db.knex)(TABLES.importRowResults);

  return {
    /** The queued or running run submitted with this key, if any. */
    async findActiveSubmission(key: string, trx?: Knex.Transaction): Promise<string | undefined> {
      const row = (await runs(trx).select('id').where('active_submission_key', key).first()) as { id: string } | undefined;
      return row?.id;
    },

    /**
     * Progress of a running run. An earlier phase arriving late (writes are not
     * awaited by the import) must never overwrite a finished run's; the final
     * 'done' may.
     */
    async setProgress(runId: string, progress: { phase: string } & Record<string, JsonValue>): Promise<void> {
      const query = runs().where('id', runId);
      if (progress.phase !== 'done') query.where('status', 'running');
      await query.update({ progress: toDbJson(progress) });
    },

    /**
     * The run's first statement under its organization's lock: is the run still
     * `expected`? False when another attempt finished it while this one waited.
     * A plain read suffices, since attempts of one run share the organization's
     * lock, and takes no row lock, so progress writes on other connections
     * never wait for the import's transaction.
     */
    async isStill(runId: string, expected: ImportRunStatus, trx: Knex.Transaction): Promise<boolean> {
      const row = (await runs(trx).select('status').where('id', runId).first()) as { status: string } | undefined;
      return row?.status === expected;
    },

    /** Stops a running (or re-planned needs_approval) run to wait for `orgsync approve`. */
    async holdForApproval(
      runId: string,
      hold: { counts: ImportCounts; error: RunError; fingerprint: string; warnings: readonly string[]; from: ImportRunStatus; lockAcquiredAt: Date },
      trx: Knex.Transaction,
    ): Promise<void> {
      await runs(trx)
        .where({ id: runId, status: hold.from })
        .update({
          status: 'needs_approval',
          counts: toDbJson(hold.counts),
          error_code: hold.error.code,
          error_message: truncate(hold.error.message, TEXT_MAX_CHARS),
          error_line: null,
          warnings: toDbJson(hold.warnings),
          plan_fingerprint: hold.fingerprint,
          lock_acquired_at: toDbDateTime(hold.lockAcquiredAt),
          finished_at: toDbDateTime(new Date()),
          active_submission_key: null,
        });
    },

    /**
     * Why a scheduled sync of these bytes would be pointless, if it would: the
     * organization's last successful run imported the same bytes, or a run of
     * them waits for approval.
     */
    async syncSkipReason(organizationCode: string, sha256: string, trx?: Knex.Transaction): Promise<string | undefined> {
      const last = (await runs(trx)
        .select('id', 'input_sha256')
        .where({ organization_code: organizationCode, dry_run: false })
        .whereIn('status', ['completed', 'completed_with_errors'])
        .orderBy([
          { column: 'created_at', order: 'desc' },
          { column: 'id', order: 'desc' },
        ])
        .first()) as { id: string; input_sha256: string | null } | undefined;
      if (last?.input_sha256 === sha256) return `unchanged since run ${last.id}`;
      const held = (await runs(trx)
        .select('id')
        .where({ organization_code: organizationCode, input_sha256: sha256, status: 'needs_approval' })
        .first()) as { id: string } | undefined;
      return held ? `the same content waits for approval in run ${held.id}` : undefined;
    },

    /** Runs a queue job should be processing, oldest first. */
    async listUnfinishedJobRuns(createdBefore: Date, limit = 1000): Promise<UnfinishedJobRun[]> {
      const rows = (await runs()
        .select('id', 'job_name', 'status')
        .whereIn('status', ['queued', 'running'])
        .whereNotNull('job_name')
        .where('created_at', '<', toDbDateTime(createdBefore))
        .orderBy('created_at')
        .limit(limit)) as { id: string; job_name: string; status: UnfinishedJobRun['status'] }[];
      return rows.map((r) => ({ id: r.id, jobName: r.job_name, status: r.status }));
    },

    /** A run whose job is gone for good (failed in Redis without the run knowing): failed. */
    async failOrphan(runId: string, error: RunError): Promise<boolean> {
      const changed = await runs()
        .where('id', runId)
        .whereIn('status', ['queued', 'running'])
        .update({
          status: 'failed',
          error_code: error.code,
          error_message: truncate(error.message, TEXT_MAX_CHARS),
          finished_at: toDbDateTime(new Date()),
          active_submission_key: null,
        });
      return changed > 0;
    },

    /**
     * Staged inputs of completed runs are dead weight (a crash between the
     * commit and the clean-up may leave some behind). Failed runs keep theirs:
     * one that failed on a fault (not on its file, whose input is released at
     * once) may still be retried.
     */
    async pruneFinishedStaging(): Promise<number> {
      const completed = db.knex(TABLES.importRuns).select('id').whereIn('status', ['completed', 'completed_with_errors']);
      return db.knex(TABLES.importStaging).whereIn('run_id', completed).delete();
    },

    /** Failed and skipped rows of a run that no retry has resolved yet, one per row, in row order. */
    async unresolvedFailedRows(runId: string): Promise<FailedRow[]> {
      const rows = (await rowResults()
        .select('row_number', 'raw')
        .where('run_id', runId)
        .whereIn('action', ['failed', 'skipped'])
        .whereNull('resolved_by_run_id')
        .whereNotNull('row_number')
        .orderByRaw('??, ??', ['row_number', 'id'])) as { row_number: unknown; raw: unknown }[];
      const byRow = new Map<number, FailedRow>();
      for (const r of rows) {
        const rowNumber = Number(r.row_number);
        // One stored line per error: the first carries the raw record like the others.
        if (!byRow.has(rowNumber)) byRow.set(rowNumber, { rowNumber, raw: fromDbJson(r.raw) });
      }
      return [...byRow.values()];
    },

    /** Marks rows of `runId` as gone through in `byRunId`, a thousand row numbers per statement. */
    async markResolved(runId: string, rowNumbers: readonly number[], byRunId: string): Promise<void> {
      for (const part of chunks(rowNumbers, 1000)) {
        await rowResults()
          .where('run_id', runId)
          .whereIn('row_number', part)
          .whereNull('resolved_by_run_id')
          .update({ resolved_by_run_id: byRunId });
      }
    },
  };
}

export type RunQueueRepo = ReturnType<typeof runQueueRepo>;
