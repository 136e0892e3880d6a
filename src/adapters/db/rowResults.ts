/**
 * The per-row results of a run (the fix-and-reimport error report), stored in
 * import_row_results. Part of the runs repository (importRuns.ts spreads these
 * methods into it); kept apart so each file is about one table.
 */
import type { Knex } from 'knex';
import { type DepartmentUpdate, FAILED_OR_SKIPPED, isFailedOrSkipped, type JsonValue, type RowAction, type RowResult } from '../../core/model.js';
import { batches, capRawRecord, chunks, maxBatchRows } from './batch.js';
import type { Db } from './connection.js';
import { TABLES } from './tables.js';
import { TEXT_MAX_CHARS, truncate } from './text.js';
import { fromDbInteger, fromDbJson, toDbJson } from './values.js';

/** What import_row_results.action holds: a row's action other than 'unchanged', or a sync's deactivation. */
export type StoredRowAction = Exclude<RowAction, 'unchanged'> | 'deactivated';

export interface FailedRow {
  rowNumber: number;
  raw: JsonValue | null;
}

export interface StoredRowResult {
  id: number;
  runId: string;
  /** The input row; null for a deactivation. */
  rowNumber: number | null;
  departmentKey: string | null;
  departmentId: string | null;
  action: StoredRowAction;
  errorCode: string | null;
  field: string | null;
  message: string | null;
  /** The original input record, for failed and skipped rows. */
  raw: JsonValue | null;
  /** The retry run in which this failed row went through. */
  resolvedByRunId: string | null;
}

/** The parts of an ImportPlan that produce row results (an ImportPlan fits). */
export interface RowResultsInput {
  rowResults: readonly RowResult[];
  deactivations?: readonly DepartmentUpdate[];
}

interface RowResultRow {
  id: unknown;
  run_id: string;
  row_number: unknown;
  department_key: string | null;
  department_id: string | null;
  action: string;
  error_code: string | null;
  field: string | null;
  message: string | null;
  raw: unknown;
  resolved_by_run_id: string | null;
}

function toRowResult(row: RowResultRow): StoredRowResult {
  return {
    id: fromDbInteger(row.id),
    runId: row.run_id,
    rowNumber: row.row_number === null ? null : fromDbInteger(row.row_number),
    departmentKey: row.department_key,
    departmentId: row.department_id,
    action: row.action as StoredRowAction,
    errorCode: row.error_code,
    field: row.field,
    message: row.message,
    raw: fromDbJson(row.raw),
    resolvedByRunId: row.resolved_by_run_id,
  };
}

/** The key a deactivated department is reported under: what a file would most likely identify it by. */
function deactivationKey(u: DepartmentUpdate): string {
  return u.after.code ?? u.after.openDepartmentId ?? u.after.name;
}

/** import_row_results rows: one per error (a row with three errors gives three), one for an error-free row. */
function rowResultRecords(
  runId: string,
  input: RowResultsInput,
  rawByRow: ReadonlyMap<number, Record<string, unknown>>,
): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const r of input.rowResults) {
    // Unchanged rows are counted, not stored; created ones are the departments with
    // created_at = the run's time and last_import_run_id = the run: storing them
    // too would double the writes of a first import.
    if (r.action === 'unchanged' || r.action === 'created') continue;
    const given = isFailedOrSkipped(r.action) ? rawByRow.get(r.row) : undefined;
    // Capped: one huge cell made a statement larger than max_allowed_packet (batch.ts).
    const raw = given === undefined ? undefined : capRawRecord(given);
    const base = {
      run_id: runId,
      row_number: r.row,
      department_key: r.key === '' ? null : truncate(r.key, 512),
      department_id: r.departmentId ?? null,
      action: r.action,
      raw: toDbJson(raw),
    };
    if (r.errors.length === 0) {
      // The schema has no merged_into column: the message says which row this one repeated.
      const message = r.action === 'merged' && r.mergedInto !== undefined ? `merged into row ${r.mergedInto}` : null;
      out.push({ ...base, error_code: null, field: null, message });
    }
    for (const issue of r.errors) {
      out.push({
        ...base,
        error_code: truncate(issue.code, 64),
        field: truncate(issue.field, 64),
        message: truncate(issue.message, TEXT_MAX_CHARS),
      });
    }
  }
  for (const u of input.deactivations ?? []) {
    out.push({
      run_id: runId,
      row_number: null,
      department_key: truncate(deactivationKey(u), 512),
      department_id: u.after.id,
      action: 'deactivated',
      error_code: null,
      field: null,
      message: null,
      raw: null,
    });
  }
  return out;
}

export function rowResultsStore(db: Db) {
  const rowResults = (trx?: Knex.Transaction) => (trx ?? db.knex)(TABLES.importRowResults);

  return {
    /**
     * Stores the results worth keeping, in multi-row INSERTs: rows whose action
     * is not 'unchanged' or 'created' (one DB row per error), plus one row per deactivated
     * department. Failed and skipped rows carry their original record from
     * `rawByRow` (keyed by row number). Returns the number of rows stored.
     */
    async insertRowResults(
      runId: string,
      input: RowResultsInput,
      rawByRow: ReadonlyMap<number, Record<string, unknown>> = new Map(),
      trx?: Knex.Transaction,
    ): Promise<number> {
      const records = rowResultRecords(runId, input, rawByRow);
      for (const batch of batches(records, maxBatchRows(db.dialect))) {
        await rowResults(trx).insert(batch);
      }
      return records.length;
    },

    /** In input order; deactivations (no row) last. */
    async getRowResults(runId: string, trx?: Knex.Transaction): Promise<StoredRowResult[]> {
      const rows = (await rowResults(trx)
        .select('*')
        .where('run_id', runId)
        // row_number is reserved on MySQL 8: ?? quotes it.
        .orderByRaw('CASE WHEN ?? IS NULL THEN 1 ELSE 0 END, ??, ??', ['row_number', 'row_number', 'id'])) as RowResultRow[];
      return rows.map(toRowResult);
    },

    /** Failed and skipped rows of a run that no retry has resolved yet, one per row, in row order. */
    async unresolvedFailedRows(runId: string, trx?: Knex.Transaction): Promise<FailedRow[]> {
      const rows = (await rowResults(trx)
        .select('row_number', 'raw')
        .where('run_id', runId)
        .whereIn('action', FAILED_OR_SKIPPED)
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
    async markResolved(runId: string, rowNumbers: readonly number[], byRunId: string, trx?: Knex.Transaction): Promise<void> {
      for (const part of chunks(rowNumbers, 1000)) {
        await rowResults(trx)
          .where('run_id', runId)
          .whereIn('row_number', part)
          .whereNull('resolved_by_run_id')
          .update({ resolved_by_run_id: byRunId });
      }
    },
  };
}
