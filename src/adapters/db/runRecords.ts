/**
 * What an import_runs row is, in the database and in the code: the stored
 * columns and their mapping to ImportRunRecord. The statements live in
 * importRuns.ts (the runs repository).
 */
import type { ImportCounts, ImportMode, InputFormat, JsonValue } from '../../core/model.js';
import type { RunOwner, RunStatus } from '../../core/runLifecycle.js';
import { fromDbBoolean, fromDbDateTime, fromDbDateTimeOrNull, fromDbInteger, fromDbJson } from './values.js';

/** Declared once, in core/runLifecycle.ts; this name stays for the adapters' callers. */
export type ImportRunStatus = RunStatus;

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
  /** The process running (or that last ran) the run, and until when its lease holds. */
  ownerId: string | null;
  leaseExpiresAt: string | null;
  /** Who started the run (`tok_...` or `cli:<os user>`; null for runs before migration 0009 or unknown). */
  submittedBy: string | null;
  /** Who approved a held run, and when (ISO 8601 UTC). */
  approvedBy: string | null;
  approvedAt: string | null;
}

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
  /** 'queued' unless given (see INITIAL_RUN_STATUSES). */
  status?: ImportRunStatus;
  parentRunId?: string | null;
  createdAt?: Date;
  jobName?: string | null;
  /** See migration 0002: unique while the run is queued or running. */
  activeSubmissionKey?: string | null;
  /** A run created `running` (in-process): who runs it, leased from now. */
  owner?: RunOwner;
  /** Who started the run: `tok_...` or `cli:<os user>`. */
  submittedBy?: string | null;
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

export interface RunRow {
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
  owner_id?: string | null;
  lease_expires_at?: unknown;
  submitted_by?: string | null;
  approved_by?: string | null;
  approved_at?: unknown;
}

export function toRun(row: RunRow): ImportRunRecord {
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
    ownerId: row.owner_id ?? null,
    leaseExpiresAt: fromDbDateTimeOrNull(row.lease_expires_at ?? null),
    submittedBy: row.submitted_by ?? null,
    approvedBy: row.approved_by ?? null,
    approvedAt: fromDbDateTimeOrNull(row.approved_at ?? null),
  };
}
