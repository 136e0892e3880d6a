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
  DEPTH_EXCEEDED: 'The department would be deeper than --max-depth allows.',
  ORGANIZATION_MISMATCH: "The row names another organization than the import's.",
  MULTIPLE_PARENTS: 'Rows for one department name different parents.',
  CONFLICTING_VALUES: 'Rows for one department give it different values.',
  NESTED_PARENT_CONFLICT: 'A nested department names a parent other than the department it is nested in.',
  EMPTY_PATH_LEVEL: 'The department path has an empty level above a filled one.',
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
  ROW_LIMIT_EXCEEDED: 'The file has more rows than --max-rows allows.',
  FILE_TOO_LARGE: 'The file is larger than the configured limit.',
  MAPPING_COLUMN_NOT_FOUND: 'A column named by the mapping (or by --path-column, --level-columns, --member-column) is not in the file.',
} as const;

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
export class FileError extends Error {
  override readonly name = 'FileError';
  constructor(
    readonly code: FileErrorCode,
    message: string,
    /** Physical line of the file the problem was found on, when known. */
    readonly line?: number,
    readonly details?: Record<string, unknown>,
  ) {
    super(line === undefined ? message : `line ${line}: ${message}`);
  }
}

export function isFileError(err: unknown): err is FileError {
  return err instanceof FileError;
}
