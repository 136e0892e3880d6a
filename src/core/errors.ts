/**
 * The one registry of stable error codes. Codes are part of the public contract
 * (CLI --json, error CSVs, HTTP envelopes, docs/errors.md): never rename one.
 *
 * Row codes describe one input row and are collected as values; file codes stop
 * the whole import before anything is written.
 */

export const ROW_ERROR_CODES = {
  NAME_REQUIRED: 'The department has no name.',
  NAME_TOO_LONG: 'The department name is longer than 255 characters.',
  INVALID_FIELD: 'A field has a value of the wrong type or format.',
  DUPLICATE_CODE: 'Another department already uses this code.',
  DUPLICATE_OPEN_DEPARTMENT_ID: 'Another department already uses this openDepartmentId.',
  DEPARTMENT_NAME_CONFLICT: 'Another department already has this name in the same scope.',
  PARENT_NOT_FOUND: 'The parent reference matches no department in the file or in the database.',
  PARENT_AMBIGUOUS: 'The parent reference matches different departments by different keys.',
  SELF_PARENT: 'The department names itself as its parent.',
  CYCLE_DETECTED: 'The parent references form a cycle.',
  PARENT_FAILED: 'An ancestor row failed, so this row was skipped.',
  DEPTH_EXCEEDED: 'The department would be deeper than --max-depth allows (default 100 levels).',
  ORGANIZATION_MISMATCH: "The row names another organization than the import's.",
  MULTIPLE_PARENTS: 'Rows for one department name different parents.',
  CONFLICTING_VALUES: 'Rows for one department give it different values.',
  NESTED_PARENT_CONFLICT: 'A nested department names a parent other than the department it is nested in.',
  EMPTY_PATH_LEVEL: 'The department path has an empty level above a filled one.',
  PARENT_INACTIVE: 'The department would be active under an inactive one: its parent is inactive and the file does not reactivate it, or the file deactivates a department whose children stay active.',
} as const;

export const FILE_ERROR_CODES = {
  ORGANIZATION_NOT_FOUND: 'The organization does not exist (use --create-org to create it).',
  DEACTIVATION_THRESHOLD_EXCEEDED: 'A sync would deactivate more departments than --max-deactivate allows.',
  ATOMIC_ABORTED: 'An --atomic import had row errors, so nothing was written.',
  DOCUMENT_ORGANIZATION_MISMATCH: 'The file names another organization than the one the import is for.',
  EMPTY_FILE: 'The file is empty.',
  UNSUPPORTED_FORMAT: 'The file format could not be recognised.',
  INVALID_ENCODING: 'The file is not valid text in the declared encoding.',
  CSV_SYNTAX_ERROR: 'The CSV file is malformed (for example an unclosed or stray quote).',
  INCONSISTENT_COLUMNS: 'A CSV record has a different number of fields than the header.',
  DUPLICATE_HEADER: 'Two CSV columns have the same name.',
  EMPTY_HEADER: 'A CSV column has no name.',
  YAML_SYNTAX_ERROR: 'The YAML document is malformed.',
  JSON_SYNTAX_ERROR: 'The JSON document is malformed.',
  INVALID_DOCUMENT: 'The document is not a list of departments.',
  TOO_MANY_ALIASES: 'The YAML document expands too many aliases.',
  ROW_LIMIT_EXCEEDED: 'The file has more rows than --max-rows (or ORGSYNC_MAX_ROWS_PER_RUN, default 1,000,000) allows.',
  FILE_TOO_LARGE: 'The file is larger than the configured limit.',
  ENCRYPTED_WORKBOOK: 'The Excel workbook is password-protected.',
  CORRUPT_WORKBOOK: 'The Excel workbook is damaged, or is a zip bomb.',
  SHEET_NOT_FOUND: 'The workbook has no sheet with the name or number given (--sheet, or the mapping\'s sheet).',
  INVALID_ORGANIZATION_CODE: 'The organization code is empty, too long, or holds a control or invisible character.',
  MAPPING_COLUMN_NOT_FOUND: 'A column named by the mapping (or by --path-column, --level-columns, --member-column) is not in the file.',
  UNKNOWN_COLUMN: 'With --strict: a column looks like a misspelled field or a parent reference but maps to nothing.',
} as const;

/** Why a run failed as a whole, other than a problem with its file (FileError codes). */
export const RUN_FAILURE_CODES = {
  INPUT_MISSING: 'The staged input of a queued run is gone, so it cannot run.',
  INVALID_RUN_OPTIONS: 'The options stored with a queued run are not valid for this version of orgsync.',
  RETRIES_EXHAUSTED: 'Every attempt hit a transient fault (database or Redis unreachable, lock timeout); see the worker logs.',
  INTERNAL_ERROR: 'The run failed on an unexpected error; see the worker logs.',
  JOB_LOST: 'The queue gave the job up (for example its worker died more often than ORGSYNC_MAX_STALLED_COUNT allows).',
  RUN_ABANDONED: 'The process running the import (a CLI killed or crashed) stopped renewing its lease; nothing of the run was written.',
  RUN_CANCELLED: 'The import was interrupted (SIGINT or SIGTERM): its transaction was rolled back, nothing of the run was written.',
  SOURCE_UNCHANGED: 'A scheduled sync found its source exactly as the last successful run imported it, so it skipped the run.',
  DATABASE_CAPACITY:
    "The database ran out of room for the transaction's row locks (MySQL/MariaDB error 1206): innodb_buffer_pool_size is too small for this import, or for it and the imports running beside it (see docs/operations.md).",
} as const;
export type RunFailureCode = keyof typeof RUN_FAILURE_CODES;

/**
 * Why an operation failed, for the errors orgsync throws other than a file
 * error or a run failure: a command called wrongly, a run or schedule that
 * cannot do what was asked, a dependency that does not answer.
 */
export const OPERATION_ERROR_CODES = {
  USAGE_ERROR: 'The command was called wrongly: an unknown or missing option, or a value it cannot use.',
  CONFIG_INVALID: 'An environment variable has a value orgsync cannot use.',
  DATABASE_NOT_READY: 'The database is not set up the way orgsync needs (strict sql_mode, utf8mb4 tables).',
  TOKEN_SETUP_FAILED: 'An API token could not be created as asked (for example for an organization that does not exist).',
  RUN_NOT_FOUND: 'No import run has this id.',
  RUN_NOT_RETRYABLE: 'The run has no failed rows that a retry could import.',
  RUN_NOT_APPROVABLE: 'Only a run that needs approval can be approved (a dry run never can).',
  APPROVAL_NOT_ALLOWED: 'This token may not approve the run: it needs the admin role or --can-approve, and may not approve a run it submitted itself.',
  INVALID_SCHEDULE: 'The schedule cannot be saved as given (its name, timing or options).',
  INVALID_TIMEZONE: 'The schedule names a time zone this system does not know (use an IANA name such as Europe/Paris).',
  QUEUE_NEEDS_MYSQL: 'Queued runs need the shared MySQL/MariaDB database (DATABASE_URL): workers cannot see the embedded SQLite file.',
  QUEUE_UNAVAILABLE: 'Redis, which holds the job queue, does not answer.',
  INVALID_SOURCE: 'The source is not a file, a directory glob or an http(s) URL orgsync accepts.',
  SOURCE_UNAVAILABLE: 'The source file, directory or URL cannot be read.',
  SOURCE_OUTSIDE_ROOT: 'The source lies outside ORGSYNC_SOURCE_ROOT.',
  SOURCE_PRIVATE_ADDRESS: 'The source URL is on a loopback, private or link-local address (see ORGSYNC_SOURCE_ALLOW_PRIVATE).',
  SOURCE_TEMPORARILY_UNAVAILABLE: 'The source server or the network failed in a way a later attempt may not.',
  ORGANIZATION_BUSY: 'Another import of the organization held its lock for longer than the lock timeout.',
  DATABASE_UNAVAILABLE: 'The database did not answer, lost the connection, or kept conflicting with other transactions; retry later.',
  JOB_REGISTRY_INVALID: "The worker's job definitions do not match the job names (a defect in orgsync).",
  INVALID_WEBHOOK: 'The webhook cannot be added as given (its URL, events or secret), or its URL is on a private address.',
  WEBHOOK_NOT_FOUND: 'No webhook has this id (in this organization).',
  REVERT_CONFLICT: 'A later run or API write changed departments the run to revert touched (revert with --force to overwrite them).',
  RUN_NOT_REVERTIBLE: 'The run wrote nothing that can be reverted (it is not finished, was a dry run, or failed).',
  INVALID_CURSOR: 'The list cursor is not one this API gave out (copy next_cursor from the previous page unchanged).',
} as const;
export type OperationErrorCode = keyof typeof OPERATION_ERROR_CODES;

/** Every code a thrown orgsync error carries: each face maps each of them (CLI exit code, job retry, HTTP status). */
export type ThrownErrorCode = FileErrorCode | RunFailureCode | OperationErrorCode;

export const THROWN_ERROR_CODES = [
  ...Object.keys(FILE_ERROR_CODES),
  ...Object.keys(RUN_FAILURE_CODES),
  ...Object.keys(OPERATION_ERROR_CODES),
] as readonly ThrownErrorCode[];

/**
 * The base of every error orgsync throws: a stable code from this registry,
 * and whether a later attempt may succeed (`transient`: a lock held too long,
 * an unreachable server). The faces decide by code and flag, never by class
 * name: cli/main.ts (exit code), jobs/runJob.ts (retry or stop), and
 * adapters/http/errors.ts (status and envelope) each map every code once.
 */
export class OrgsyncError extends Error {
  readonly transient: boolean;
  constructor(
    readonly code: ThrownErrorCode,
    message: string,
    options: { transient?: boolean; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.transient = options.transient ?? false;
  }
}

export function isOrgsyncError(err: unknown): err is OrgsyncError {
  return err instanceof OrgsyncError;
}

/**
 * The code a run that stopped on `err` (not a file error) records: the
 * error's own when it is a run failure (DATABASE_CAPACITY says what to
 * change), INTERNAL_ERROR for anything else, its message kept beside it.
 */
export function runFailureCodeOf(err: unknown): RunFailureCode {
  return isOrgsyncError(err) && Object.hasOwn(RUN_FAILURE_CODES, err.code) ? (err.code as RunFailureCode) : 'INTERNAL_ERROR';
}

export type RowErrorCode = keyof typeof ROW_ERROR_CODES;
export type FileErrorCode = keyof typeof FILE_ERROR_CODES;
export type ErrorCode = RowErrorCode | FileErrorCode;

/** One problem with one input row. A value, never thrown. */
export interface RowIssue {
  /** The line number a spreadsheet (or editor, for YAML/JSON) shows for the row. */
  row: number;
  code: RowErrorCode;
  /** The canonical field the problem is about, e.g. `name` or `parent`. */
  field: string;
  message: string;
  /** The department's identifying key (code, openDepartmentId, id or name). */
  key?: string;
}

/**
 * The issues of a row that has none, shared by all such rows: a large import
 * keeps several issue lists per row, and an empty array each is 32 bytes
 * (~100 MB for 1,000,000 rows). Frozen: code that adds an issue must give the
 * row its own array first (see the planner's addIssue), and fails loudly if not.
 */
export const NO_ISSUES: RowIssue[] = Object.freeze([]) as unknown as RowIssue[];

/**
 * A problem with the input as a whole: thrown by readers and the import
 * service, caught at the edge (CLI, job, HTTP) and turned into a failed run.
 */
export class FileError extends OrgsyncError {
  override readonly name = 'FileError';
  constructor(
    // ATOMIC_ABORTED is an outcome (core/runOutcome.ts), never thrown.
    override readonly code: Exclude<FileErrorCode, 'ATOMIC_ABORTED'>,
    message: string,
    /** Physical line of the file the problem was found on, when known. */
    readonly line?: number,
    readonly details?: Record<string, unknown>,
  ) {
    super(code, line === undefined ? message : `line ${line}: ${message}`);
  }
}

export function isFileError(err: unknown): err is FileError {
  return err instanceof FileError;
}
