/**
 * Import runs (the history `orgsync runs` shows) and their per-row results
 * (the fix-and-reimport error report).
 */
import type { Knex } from 'knex';
import type {
  DepartmentUpdate,
  ImportCounts,
  ImportMode,
  InputFormat,
  JsonValue,
  RowAction,
  RowResult,
} from '../../core/model.js';
import { newRunId } from '../../ids.js';
import type { Db } from './connection.js';
import { batches, maxBatchRows } from './batch.js';
import { TABLES } from './tables.js';
import { TEXT_MAX_CHARS, truncate, truncateOrNull } from './text.js';
import {
  fromDbBoolean,
  fromDbDateTime,
  fromDbDateTimeOrNull,
  fromDbInteger,
  fromDbJson,
  toDbDateTime,
  toDbJson,
} from './values.js';

export type ImportRunStatus = 'queued' | 'running' | 'completed' | 'completed_with_errors' | 'failed' | 'needs_approval';

/** What import_row_results.action holds: a row's action other than 'unchanged', or a sync's deactivation. */
export type StoredRowAction = Exclude<RowAction, 'unchanged'> | 'deactivated';

export interface RunError {
  code: string;
  message: string;
  line?: number | null;
}

export interface ImportRunRecord {
  id: string;
  organizationId: string | null;
  organizationCode: string;
  sourceName: string;
  inputSha256: string | null;
  format: InputFormat | null;
  /** The input's columns in file order (for the fix-and-reimport CSV); null until read. */
  columns: string[] | null;
  mode: ImportMode;
  options: JsonValue;
  dryRun: boolean;
  status: ImportRunStatus;
  counts: ImportCounts | null;
  /** Why the run failed as a whole (a FileError code, ATOMIC_ABORTED...); null otherwise. */
  errorCode: string | null;
  errorMessage: string | null;
  /** The input line the error was found on, when known. */
  errorLine: number | null;
  /** ISO 8601 UTC timestamps. */
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  parentRunId: string | null;
  /** The queue job that processes the run; null for in-process runs. */
  jobName: string | null;
  /** How many times a worker (or the CLI) started the run. */
  attempts: number;
  /** When the run got its organization's lock (the last time, if it was retried). */
  lockAcquiredAt: string | null;
  /** The last progress a worker reported, e.g. { phase, rowsDone, rowsTotal }. */
  progress: JsonValue | null;
  warnings: string[];
  /** needs_approval runs: the hash of the departments the held plan was made from. */
  planFingerprint: string | null;
}

/** Statuses after which a run never changes again (needs_approval waits for `orgsync approve`). */
export const FINAL_RUN_STATUSES: readonly ImportRunStatus[] = ['completed', 'completed_with_errors', 'failed'];

export interface NewImportRun {
  /** Generated (`run_` + ULID) when absent. */
  id?: string;
  organizationId?: string | null;
  /** May be '' when the organization is only known after reading the file (see recordInput). */
  organizationCode: string;
  sourceName: string;
  inputSha256?: string | null;
  format?: InputFormat | null;
  mode: ImportMode;
  /** The import options, stored as JSON for the history and for re-running. */
  options: object;
  dryRun: boolean;
  /** 'queued' unless given. */
  status?: ImportRunStatus;
  parentRunId?: string | null;
  createdAt?: Date;
  jobName?: string | null;
  /** See migration 0002: unique while the run is queued or running. */
  activeSubmissionKey?: string | null;
}

export interface FinishRun {
  status: ImportRunStatus;
  counts: ImportCounts | null;
  error?: RunError | null;
  /** Now, unless given. */
  finishedAt?: Date;
  /** Set when the run created the organization, or only learnt which it was. */
  organizationId?: string;
  warnings?: readonly string[];
  /** When the run got its organization's lock (runs that got that far). */
  lockAcquiredAt?: Date;
  /** Only a run in one of these statuses is finished (default: queued or running): finishing is idempotent. */
  from?: readonly ImportRunStatus[];
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

interface RunRow {
  id: string;
  organization_id: string | null;
  organization_code: string;
  source_name: string;
  input_sha256: string | null;
  format: string | null;
  input_columns: unknown;
  mode: string;
  options: unknown;
  dry_run: unknown;
  status: string;
  counts: unknown;
  error_code: string | null;
  error_message: string | null;
  error_line: unknown;
  created_at: unknown;
  started_at: unknown;
  finished_at: unknown;
  parent_run_id: string | null;
  job_name: string | null;
  attempts: unknown;
  lock_acquired_at: unknown;
  progress: unknown;
  warnings: unknown;
  plan_fingerprint: string | null;
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

function toRun(row: RunRow): ImportRunRecord {
  return {
    id: row.id,
    organizationId: row.organization_id,
    organizationCode: row.organization_code,
    sourceName: row.source_name,
    inputSha256: row.input_sha256,
    format: row.format as InputFormat | null,
    columns: fromDbJson(row.input_columns) as string[] | null,
    mode: row.mode as ImportMode,
    options: fromDbJson(row.options),
    dryRun: fromDbBoolean(row.dry_run),
    status: row.status as ImportRunStatus,
    counts: fromDbJson(row.counts) as ImportCounts | null,
    errorCode: row.error_code,
    errorMessage: row.error_message,
    errorLine: row.error_line === null ? null : fromDbInteger(row.error_line),
    createdAt: fromDbDateTime(row.created_at),
    startedAt: fromDbDateTimeOrNull(row.started_at),
    finishedAt: fromDbDateTimeOrNull(row.finished_at),
    parentRunId: row.parent_run_id,
    jobName: row.job_name,
    attempts: fromDbInteger(row.attempts ?? 0),
    lockAcquiredAt: fromDbDateTimeOrNull(row.lock_acquired_at),
    progress: fromDbJson(row.progress),
    warnings: (fromDbJson(row.warnings) as string[] | null) ?? [],
    planFingerprint: row.plan_fingerprint,
  };
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
    const raw = r.action === 'failed' || r.action === 'skipped' ? rawByRow.get(r.row) : undefined;
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

export function importRunsRepo(db: Db) {
  const runs = (trx?: Knex.Transaction) => (trx ?? db.knex)(TABLES.importRuns);
  const rowResults = (trx?: Knex.Transaction) => (trx ?? db.knex)(TABLES.importRowResults);

  return {
    async createRun(input: NewImportRun, trx?: Knex.Transaction): Promise<string> {
      const id = input.id ?? newRunId();
      await runs(trx).insert({
        id,
        organization_id: input.organizationId ?? null,
        organization_code: truncate(input.organizationCode, 191),
        source_name: truncate(input.sourceName, 1024),
        input_sha256: input.inputSha256 ?? null,
        format: input.format ?? null,
        mode: input.mode,
        options: toDbJson(input.options),
        dry_run: input.dryRun,
        status: input.status ?? 'queued',
        counts: null,
        created_at: toDbDateTime(input.createdAt ?? new Date()),
        parent_run_id: input.parentRunId ?? null,
        job_name: input.jobName ?? null,
        active_submission_key: input.activeSubmissionKey ?? null,
      });
      return id;
    },

    /**
     * queued/running -> running, counting the attempt. False when the run is
     * already finished (a re-delivered job, a second worker): the caller must
     * then not run it again.
     */
    async startRun(id: string, trx?: Knex.Transaction): Promise<boolean> {
      const changed = await runs(trx)
        .where('id', id)
        .whereIn('status', ['queued', 'running'])
        .update({ status: 'running', started_at: toDbDateTime(new Date()), attempts: db.knex.raw('?? + 1', ['attempts']) });
      return changed > 0;
    },

    /** What reading the file revealed: the organization (when the file names it), hash, format and columns. */
    async recordInput(
      id: string,
      input: { organizationCode?: string; sha256?: string; format?: InputFormat; columns?: readonly string[] },
      trx?: Knex.Transaction,
    ): Promise<void> {
      const patch: Record<string, unknown> = {};
      if (input.organizationCode !== undefined) patch.organization_code = truncate(input.organizationCode, 191);
      if (input.sha256 !== undefined) patch.input_sha256 = input.sha256;
      if (input.format !== undefined) patch.format = input.format;
      if (input.columns !== undefined) patch.input_columns = toDbJson(input.columns);
      if (Object.keys(patch).length > 0) await runs(trx).where('id', id).update(patch);
    },

    /** False when the run was not in a `from` status (already finished by another attempt). */
    async finishRun(id: string, result: FinishRun, trx?: Knex.Transaction): Promise<boolean> {
      const patch: Record<string, unknown> = {
        status: result.status,
        counts: toDbJson(result.counts),
        error_code: truncateOrNull(result.error?.code, 64),
        error_message: truncateOrNull(result.error?.message, TEXT_MAX_CHARS),
        error_line: result.error?.line ?? null,
        finished_at: toDbDateTime(result.finishedAt ?? new Date()),
        // No longer queued or running: an identical submission now makes a new run.
        active_submission_key: null,
      };
      if (result.organizationId !== undefined) patch.organization_id = result.organizationId;
      if (result.warnings !== undefined) patch.warnings = toDbJson(result.warnings);
      if (result.lockAcquiredAt !== undefined) patch.lock_acquired_at = toDbDateTime(result.lockAcquiredAt);
      const changed = await runs(trx)
        .where('id', id)
        .whereIn('status', result.from ?? ['queued', 'running'])
        .update(patch);
      return changed > 0;
    },

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
      if (filter.organizationCode !== undefined) query.where('organization_code', filter.organizationCode);
      if (filter.status !== undefined) query.where('status', filter.status);
      const rows = (await query
        .orderBy([
          { column: 'created_at', order: 'desc' },
          { column: 'id', order: 'desc' },
        ])
        .limit(filter.limit ?? 50)) as RunRow[];
      return rows.map(toRun);
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
  };
}

export type ImportRunsRepo = ReturnType<typeof importRunsRepo>;
