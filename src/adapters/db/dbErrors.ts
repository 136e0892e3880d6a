/**
 * Classifies driver errors (mysql2, better-sqlite3, knex) so callers can decide
 * whether to retry. Drivers signal the kind of failure through `code`/`errno`.
 */
import { OrgsyncError } from '../../core/errors.js';

interface DriverError {
  code?: unknown;
  errno?: unknown;
  name?: unknown;
  cause?: unknown;
  /** mysql2: true when the error killed the connection. */
  fatal?: unknown;
}

/** Errors after which re-running the whole transaction is expected to succeed. */
const CONFLICT_CODES = new Set([
  'ER_LOCK_DEADLOCK', // 1213: InnoDB chose this transaction as deadlock victim (and rolled it back)
  'ER_LOCK_WAIT_TIMEOUT', // 1205: waited innodb_lock_wait_timeout for a row lock
]);
// Server errnos are positive; Node's system errors use negative errnos, so these cannot clash.
const CONFLICT_ERRNOS = new Set([1213, 1205]);

/** The server or the network went away; a later attempt on a new connection may work. */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_SERVER_SHUTDOWN', // 1053
  'ER_CON_COUNT_ERROR', // 1040: too many connections
  'ER_CONNECTION_KILLED', // MariaDB 1927
  'ER_CLIENT_INTERACTION_TIMEOUT', // MySQL 8.0.24+ 4031: idle session closed by the server
]);
const CONNECTION_ERRNOS = new Set([1053, 1040, 1927, 4031]);

/** The error and its `cause` chain (knex and our own wrappers may nest the driver error). */
function* chain(err: unknown): Generator<DriverError> {
  let current: unknown = err;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    yield current as DriverError;
    current = (current as DriverError).cause;
  }
}

function isSqliteBusyCode(code: unknown): boolean {
  // Includes the extended codes SQLITE_BUSY_SNAPSHOT, SQLITE_BUSY_RECOVERY, SQLITE_BUSY_TIMEOUT.
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}

export function isSqliteBusy(err: unknown): boolean {
  for (const e of chain(err)) if (isSqliteBusyCode(e.code)) return true;
  return false;
}

/** A conflict with a concurrent transaction (deadlock, lock wait timeout, SQLITE_BUSY). */
export function isTransientConflict(err: unknown): boolean {
  for (const e of chain(err)) {
    if (typeof e.code === 'string' && CONFLICT_CODES.has(e.code)) return true;
    if (typeof e.errno === 'number' && CONFLICT_ERRNOS.has(e.errno)) return true;
    if (isSqliteBusyCode(e.code)) return true;
  }
  return false;
}

/**
 * A connection that died under a transaction (KILL, a server restart, a proxy
 * dropping it) often surfaces without any of the codes above: knex rolls back
 * on the dead connection and rejects with the ROLLBACK's error, "Can't add new
 * command when connection is in closed state", which has no code and replaces
 * the original one. mysql2 marks every error that ends a connection `fatal`.
 */
const DEAD_CONNECTION_MESSAGE = /Can't add new command when connection is in closed state|Connection lost: The server closed the connection/;

/** Lost or refused connections, and a knex pool that could not hand out a connection in time. */
export function isConnectionError(err: unknown): boolean {
  for (const e of chain(err)) {
    if (typeof e.code === 'string' && CONNECTION_CODES.has(e.code)) return true;
    if (typeof e.errno === 'number' && CONNECTION_ERRNOS.has(e.errno)) return true;
    if (e.name === 'KnexTimeoutError') return true;
    if (e.fatal === true) return true;
    if (e instanceof Error && DEAD_CONNECTION_MESSAGE.test(e.message)) return true;
  }
  return false;
}

/**
 * True when retrying the same work later may succeed: transaction conflicts and
 * connection loss. The queue worker uses it to decide between retry and failure.
 */
export function isTransientDbError(err: unknown): boolean {
  return isTransientConflict(err) || isConnectionError(err);
}

/**
 * A transient fault (above) that came from the database driver, not from a
 * socket of another kind (a client hanging up on an upload is ECONNRESET too):
 * mysql2 marks its errors with sqlState (server errors) or fatal (the
 * connection's), knex its pool timeout by name, better-sqlite3 its codes.
 */
export function isTransientDatabaseFault(err: unknown): boolean {
  if (!isTransientDbError(err)) return false;
  for (const e of chain(err) as Generator<DriverError & { sqlState?: unknown }>) {
    if (e.fatal === true || typeof e.sqlState === 'string' || e.name === 'KnexTimeoutError') return true;
    if (typeof e.code === 'string' && (e.code.startsWith('SQLITE_') || e.code.startsWith('ER_') || e.code.startsWith('PROTOCOL_'))) return true;
    if (e instanceof Error && DEAD_CONNECTION_MESSAGE.test(e.message)) return true;
  }
  return false;
}

/**
 * ER_LOCK_TABLE_FULL (1206): InnoDB keeps row locks in the buffer pool, and a
 * transaction that locks more rows than the pool has room for fails with it.
 * Seen with the default 128 MB pool while a 1,000,000-department import ran:
 * the import's own locks filled it, and the small API writes beside it failed
 * too. Not a conflict: the same import fails the same way on every attempt.
 */
export function isLockTableFull(err: unknown): boolean {
  for (const e of chain(err)) if (e.code === 'ER_LOCK_TABLE_FULL' || e.errno === 1206) return true;
  return false;
}

/**
 * The lock table of the database is full (dbErrors.ts isLockTableFull). An
 * import gets it for its own size, so it is not retried: the run fails with a
 * code that says what to change. An API write gets it because of an import's
 * locks beside it: the HTTP face answers 503 with a Retry-After.
 */
export class DatabaseCapacityError extends OrgsyncError {
  override readonly name = 'DatabaseCapacityError';
  constructor(organizationCode: string, cause: unknown) {
    super(
      'DATABASE_CAPACITY',
      `the database ran out of room for row locks while writing organization "${organizationCode}" (error 1206): raise innodb_buffer_pool_size (see docs/operations.md), or import when no other large import runs`,
      { cause },
    );
  }
}

/** A UNIQUE or PRIMARY KEY violation (ER_DUP_ENTRY, SQLITE_CONSTRAINT_UNIQUE/PRIMARYKEY). */
export function isDuplicateKeyError(err: unknown): boolean {
  for (const e of chain(err)) {
    if (e.code === 'ER_DUP_ENTRY' || e.errno === 1062) return true;
    if (e.code === 'SQLITE_CONSTRAINT_UNIQUE' || e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY') return true;
  }
  return false;
}

/** The most of an error message that goes into a run record or a log line. */
export const ERROR_MESSAGE_MAX_CHARS = 1000;

/**
 * An error's message, trimmed for a run record, a job's failure reason or
 * stderr. knex prefixes a driver error with the whole statement, bindings
 * inlined (`insert into ... values (...) - Data too long for column 'path'`):
 * a 1,000-row insert made a 65 KB message. The start of the statement and the
 * driver's own message (at the end) are kept; the middle is left out.
 */
export function describeError(err: unknown, maxChars = ERROR_MESSAGE_MAX_CHARS): string {
  const text = err instanceof Error ? err.message : String(err);
  if (text.length <= maxChars) return text;
  const head = Math.floor(maxChars * 0.3);
  const tail = maxChars - head;
  return `${text.slice(0, head)} … [${text.length - head - tail} characters left out] … ${text.slice(-tail)}`;
}
