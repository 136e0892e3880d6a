/**
 * How the command line answers a command that threw: one exit code per
 * registered error code (the compiler holds the table to the registry in
 * core/errors.ts), a message on stderr, and with --json one JSON object on
 * stdout, so a script reading stdout always gets an answer.
 */
import { CommanderError } from 'commander';
import { describeError } from '../adapters/db/dbErrors.js';
import { isOrgsyncError, type ThrownErrorCode } from '../core/errors.js';
import { EXIT } from './render.js';

type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** 2: the command was called wrongly (or configured wrongly); 3: row errors; 1: everything else failed. */
export const EXIT_CODE_OF: Record<ThrownErrorCode, ExitCode> = {
  ORGANIZATION_NOT_FOUND: EXIT.fileError,
  DEACTIVATION_THRESHOLD_EXCEEDED: EXIT.fileError,
  ATOMIC_ABORTED: EXIT.rowErrors,
  DOCUMENT_ORGANIZATION_MISMATCH: EXIT.fileError,
  EMPTY_FILE: EXIT.fileError,
  UNSUPPORTED_FORMAT: EXIT.fileError,
  INVALID_ENCODING: EXIT.fileError,
  CSV_SYNTAX_ERROR: EXIT.fileError,
  INCONSISTENT_COLUMNS: EXIT.fileError,
  DUPLICATE_HEADER: EXIT.fileError,
  EMPTY_HEADER: EXIT.fileError,
  YAML_SYNTAX_ERROR: EXIT.fileError,
  JSON_SYNTAX_ERROR: EXIT.fileError,
  INVALID_DOCUMENT: EXIT.fileError,
  TOO_MANY_ALIASES: EXIT.fileError,
  ROW_LIMIT_EXCEEDED: EXIT.fileError,
  FILE_TOO_LARGE: EXIT.fileError,
  ENCRYPTED_WORKBOOK: EXIT.fileError,
  CORRUPT_WORKBOOK: EXIT.fileError,
  SHEET_NOT_FOUND: EXIT.fileError,
  INVALID_ORGANIZATION_CODE: EXIT.fileError,
  MAPPING_COLUMN_NOT_FOUND: EXIT.fileError,
  UNKNOWN_COLUMN: EXIT.fileError,
  INPUT_MISSING: EXIT.fileError,
  INVALID_RUN_OPTIONS: EXIT.fileError,
  RETRIES_EXHAUSTED: EXIT.fileError,
  INTERNAL_ERROR: EXIT.fileError,
  JOB_LOST: EXIT.fileError,
  RUN_ABANDONED: EXIT.fileError,
  RUN_CANCELLED: EXIT.fileError,
  SOURCE_UNCHANGED: EXIT.ok,
  DATABASE_CAPACITY: EXIT.fileError,
  USAGE_ERROR: EXIT.usage,
  CONFIG_INVALID: EXIT.usage,
  DATABASE_NOT_READY: EXIT.fileError,
  TOKEN_SETUP_FAILED: EXIT.fileError,
  RUN_NOT_FOUND: EXIT.fileError,
  RUN_NOT_RETRYABLE: EXIT.fileError,
  RUN_NOT_APPROVABLE: EXIT.fileError,
  APPROVAL_NOT_ALLOWED: EXIT.fileError,
  INVALID_SCHEDULE: EXIT.fileError,
  INVALID_TIMEZONE: EXIT.usage,
  QUEUE_NEEDS_MYSQL: EXIT.usage,
  QUEUE_UNAVAILABLE: EXIT.fileError,
  INVALID_SOURCE: EXIT.fileError,
  SOURCE_UNAVAILABLE: EXIT.fileError,
  SOURCE_OUTSIDE_ROOT: EXIT.fileError,
  SOURCE_PRIVATE_ADDRESS: EXIT.fileError,
  SOURCE_TEMPORARILY_UNAVAILABLE: EXIT.fileError,
  ORGANIZATION_BUSY: EXIT.fileError,
  DATABASE_UNAVAILABLE: EXIT.fileError,
  JOB_REGISTRY_INVALID: EXIT.fileError,
  INVALID_WEBHOOK: EXIT.fileError,
  WEBHOOK_NOT_FOUND: EXIT.fileError,
  REVERT_CONFLICT: EXIT.fileError,
  RUN_NOT_REVERTIBLE: EXIT.fileError,
  INVALID_CURSOR: EXIT.usage,
};

export interface CliFailure {
  code: ThrownErrorCode;
  message: string;
  exit: ExitCode;
}

export function cliFailureOf(err: unknown): CliFailure {
  if (err instanceof CommanderError) return { code: 'USAGE_ERROR', message: err.message.replace(/^error: /, ''), exit: EXIT.usage };
  // Trimmed: a driver error's message carries its whole SQL statement (65 KB seen).
  if (isOrgsyncError(err)) return { code: err.code, message: describeError(err), exit: EXIT_CODE_OF[err.code] };
  return { code: 'INTERNAL_ERROR', message: describeError(err), exit: EXIT.fileError };
}

/** Whether the command line asks for JSON output (a `--json` before any `--`). */
export function wantsJson(argv: readonly string[]): boolean {
  const args = argv.slice(2);
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).includes('--json');
}

/** The --json answer of a failed command: `{ "error": { "code", "message" } }`, one line. */
export function failureJson(failure: CliFailure): string {
  return `${JSON.stringify({ error: { code: failure.code, message: failure.message } })}\n`;
}
