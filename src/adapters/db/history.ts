/**
 * Department history (migration 0010): change records written in the caller's
 * transaction as multi-row INSERTs (one statement per batch, never one per
 * change), read back per department, per run, or per organization with keyset
 * pagination (by id, which is the order of changes), and pruned in batches.
 * An import's creates are one row per run, expanded by every read into an
 * entry per department (migration 0015, historyBatch.ts); list(), which
 * every reader's view goes through, rebuilds their records from the
 * department (historyCreated.ts).
 */
import type { Knex } from 'knex';
import type { ChangeOrigin, DepartmentChange, HistoryEntry } from '../../core/history/changes.js';
import { batches, chunks, mapped, maxBatchRows } from './batch.js';
import type { Db } from './connection.js';
import { listEntries, runEntries } from './historyBatch.js';
import { withCreatedValues } from './historyCreated.js';
import { COLUMNS, CREATES_ROW_DEPARTMENT, type HistoryFilter, type HistoryRow, toEntry } from './historyRows.js';
import { multiRowInsert, sendBatch } from './multiRow.js';
import { TABLES } from './tables.js';
import { fromDbInteger, toDbDateTime, toDbJson } from './values.js';

export type { HistoryFilter } from './historyRows.js';

/** A change's values in COLUMNS order, for the multi-row INSERT (time and actor made once per call). */
export function historyValues(organizationId: string, origin: ChangeOrigin, now: Date): (c: DepartmentChange) => unknown[] {
  const at = toDbDateTime(now);
  const actor = origin.actor.slice(0, 191);
  return (c) => [organizationId, c.departmentId, c.action, toDbJson(c.before), toDbJson(c.after), origin.runId, origin.requestId ?? null, actor, at];
}

export function historyRepo(db: Db) {
  const table = (runner: Knex | Knex.Transaction) => runner(TABLES.departmentHistory);
  const rowsPerBatch = maxBatchRows(db.dialect);
  const insert = multiRowInsert(db.dialect, TABLES.departmentHistory, COLUMNS);

  return {
    /** Writes `changes` in `trx` (the transaction of the change itself); no change, no statement. */
    async record(trx: Knex.Transaction, organizationId: string, changes: Iterable<DepartmentChange>, origin: ChangeOrigin, now: Date): Promise<number> {
      // Rows are made one batch at a time (changes may be lazy): never a second copy of a large import.
      const rows = mapped(changes, historyValues(organizationId, origin, now));
      let written = 0;
      for (const batch of batches(rows, rowsPerBatch)) {
        await sendBatch(trx, insert, batch);
        written += batch.length;
      }
      return written;
    },

    /**
     * One row for all of a run's creates (department_id CREATES_ROW_DEPARTMENT,
     * no values), written before the departments, which carry its id (applyPlan's
     * createdHistoryId): the history of a 100,000-department import is one row.
     */
    async recordCreates(trx: Knex.Transaction, organizationId: string, origin: ChangeOrigin, now: Date): Promise<number> {
      const [id] = (await table(trx).insert({
        organization_id: organizationId,
        department_id: CREATES_ROW_DEPARTMENT,
        action: 'created',
        before_values: null,
        after_values: null,
        run_id: origin.runId,
        request_id: origin.requestId ?? null,
        actor: origin.actor.slice(0, 191),
        created_at: toDbDateTime(now),
      })) as unknown[];
      return fromDbInteger(id);
    },

    /** Entries in the order they were written (oldest first; a run's creates by department id), their create records rebuilt. */
    async list(filter: HistoryFilter, trx?: Knex.Transaction): Promise<HistoryEntry[]> {
      return withCreatedValues(db, await listEntries(trx ?? db.knex, filter), trx);
    },

    /**
     * Every entry of one run, oldest first (a revert reads them all: a run's changes are bounded by its rows).
     * An import's creates as stored (after null): a revert needs only which departments were created, and
     * rebuilding 100,000 records it does not read doubled a revert's time (list() rebuilds them).
     */
    async ofRun(runId: string, trx?: Knex.Transaction): Promise<HistoryEntry[]> {
      return runEntries(trx ?? db.knex, runId);
    },

    /**
     * Entries of the given departments written after `afterId` by anything but
     * `runId` (REVERT_CONFLICT): one query per batch of departments. Creates as stored, as in ofRun;
     * a creates row is never one (a department is created once, before its later changes).
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
