/**
 * Department history (migration 0010): change records written in the caller's
 * transaction as multi-row INSERTs (one statement per batch, never one per
 * change), read back per department, per run, or per organization with keyset
 * pagination (by id, which is the order of changes), and pruned in batches.
 * An import's `created` rows hold no values (after NULL): list(), which every
 * reader's view goes through, rebuilds them from the department (historyCreated.ts).
 */
import type { Knex } from 'knex';
import type { ChangeOrigin, DepartmentChange, HistoryAction, HistoryEntry } from '../../core/history/changes.js';
import type { JsonObject } from '../../core/model.js';
import { batches, chunks, mapped, maxBatchRows } from './batch.js';
import type { Db } from './connection.js';
import { withCreatedValues } from './historyCreated.js';
import { multiRowInsert, sendBatch } from './multiRow.js';
import { TABLES } from './tables.js';
import { fromDbDateTime, fromDbInteger, fromDbJson, toDbDateTime, toDbJson } from './values.js';

const COLUMNS = ['organization_id', 'department_id', 'action', 'before_values', 'after_values', 'run_id', 'request_id', 'actor', 'created_at'] as const;

export interface HistoryFilter {
  organizationId: string;
  departmentId?: string;
  runId?: string;
  action?: HistoryAction;
  /** Keyset: only entries with a larger id (the previous page's last `id`). */
  afterId?: number;
  limit: number;
}

interface HistoryRow {
  id: unknown;
  organization_id: string;
  department_id: string;
  action: string;
  before_values: unknown;
  after_values: unknown;
  run_id: string | null;
  request_id: string | null;
  actor: string;
  created_at: unknown;
}

function toEntry(r: HistoryRow): HistoryEntry {
  return {
    id: fromDbInteger(r.id),
    organizationId: r.organization_id,
    departmentId: r.department_id,
    action: r.action as HistoryAction,
    before: fromDbJson(r.before_values) as JsonObject | null,
    after: fromDbJson(r.after_values) as JsonObject | null,
    runId: r.run_id,
    requestId: r.request_id,
    actor: r.actor,
    at: fromDbDateTime(r.created_at),
  };
}

export function historyRepo(db: Db) {
  const table = (runner: Knex | Knex.Transaction) => runner(TABLES.departmentHistory);
  const rowsPerBatch = maxBatchRows(db.dialect);
  const insert = multiRowInsert(db.dialect, TABLES.departmentHistory, COLUMNS);

  return {
    /** Writes `changes` in `trx` (the transaction of the change itself); no change, no statement. */
    async record(trx: Knex.Transaction, organizationId: string, changes: Iterable<DepartmentChange>, origin: ChangeOrigin, now: Date): Promise<number> {
      const at = toDbDateTime(now);
      const actor = origin.actor.slice(0, 191);
      // Rows are made one batch at a time (changes may be lazy): never a second copy of a large import.
      const rows = mapped(changes, (c) => [
        organizationId,
        c.departmentId,
        c.action,
        toDbJson(c.before),
        toDbJson(c.after),
        origin.runId,
        origin.requestId ?? null,
        actor,
        at,
      ]);
      let written = 0;
      for (const batch of batches(rows, rowsPerBatch)) {
        await sendBatch(trx, insert, batch);
        written += batch.length;
      }
      return written;
    },

    /** Entries in the order they were written (oldest first), an import's creates with their records rebuilt. */
    async list(filter: HistoryFilter, trx?: Knex.Transaction): Promise<HistoryEntry[]> {
      let q = table(trx ?? db.knex).select('*').where('organization_id', filter.organizationId);
      if (filter.departmentId !== undefined) q = q.andWhere('department_id', filter.departmentId);
      if (filter.runId !== undefined) q = q.andWhere('run_id', filter.runId);
      if (filter.action !== undefined) q = q.andWhere('action', filter.action);
      if (filter.afterId !== undefined) q = q.andWhere('id', '>', filter.afterId);
      const rows = (await q.orderBy('id').limit(filter.limit)) as HistoryRow[];
      return withCreatedValues(db, rows.map(toEntry), trx);
    },

    /**
     * Every entry of one run, oldest first (a revert reads them all: a run's changes are bounded by its rows).
     * An import's creates as stored (after null): a revert needs only which departments were created, and
     * rebuilding 100,000 records it does not read doubled a revert's time (list() rebuilds them).
     */
    async ofRun(runId: string, trx?: Knex.Transaction): Promise<HistoryEntry[]> {
      const rows = (await table(trx ?? db.knex).select('*').where('run_id', runId).orderBy('id')) as HistoryRow[];
      return rows.map(toEntry);
    },

    /**
     * Entries of the given departments written after `afterId` by anything but
     * `runId` (REVERT_CONFLICT): one query per batch of departments. Creates as stored, as in ofRun.
     */
    async laterChanges(organizationId: string, departmentIds: readonly string[], afterId: number, runId: string, trx?: Knex.Transaction): Promise<HistoryEntry[]> {
      const out: HistoryEntry[] = [];
      for (const ids of chunks(departmentIds, rowsPerBatch)) {
        const rows = (await table(trx ?? db.knex)
          .select('*')
          .where('organization_id', organizationId)
          .whereIn('department_id', ids)
          .andWhere('id', '>', afterId)
          .andWhere((w) => w.whereNull('run_id').orWhere('run_id', '<>', runId))
          .orderBy('id')) as HistoryRow[];
        out.push(...rows.map(toEntry));
      }
      return out;
    },

    /**
     * Deletes entries written before `before`, `batchSize` at a time (each
     * DELETE a short transaction of its own, so pruning a year of history never
     * holds locks an import waits on). Returns how many were deleted.
     */
    async prune(before: Date, batchSize = 5000): Promise<number> {
      const cutoff = toDbDateTime(before);
      let deleted = 0;
      for (;;) {
        // Ids first: MySQL refuses LIMIT in a subquery of IN, and SQLite's DELETE … LIMIT is a compile option.
        const ids = (await table(db.knex).select('id').where('created_at', '<', cutoff).orderBy('id').limit(batchSize)) as { id: unknown }[];
        if (ids.length === 0) return deleted;
        deleted += await table(db.knex)
          .whereIn(
            'id',
            ids.map((r) => fromDbInteger(r.id)),
          )
          .delete();
      }
    },
  };
}

export type HistoryRepo = ReturnType<typeof historyRepo>;
