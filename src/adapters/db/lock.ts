/**
 * The organization's lock, in two modes (docs/operations.md, "Imports and API
 * writes: locking"):
 *
 * - withOrganizationLock (imports, reverts, approvals): exclusive. Two of them
 *   never interleave, and none interleaves with an API write.
 * - withDepartmentWrite (one API write of one department): shared. API writes
 *   of one organization run side by side (their row locks on the departments
 *   they touch keep them apart), but never while an import holds the lock.
 *
 * MySQL/MariaDB: an import takes a named lock (GET_LOCK) on one pinned pooled
 * connection (imports queue there, and it outlives a deadlock retry), then
 * opens the transaction with an exclusive InnoDB row lock on the
 * organization's import_locks row; an API write opens its transaction with a
 * shared lock on the same row (organizationRowLock.ts). InnoDB queues a new
 * shared request behind a waiting exclusive one, so a stream of API writes
 * cannot starve an import; the row lock is taken before the transaction's
 * first read, so the import's snapshot includes every API write it waited for.
 * Both waits end at the caller's timeout with LockTimeoutError.
 *
 * SQLite (sqliteLock.ts): one writer; the lock is the database's write lock.
 */
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Knex } from 'knex';
import type { Db } from './connection.js';
import { DatabaseCapacityError, isLockTableFull, isTransientConflict } from './dbErrors.js';
import { ensureLockRow, lockOrganizationRow, type RowLockMode } from './organizationRowLock.js';
import { Semaphore, withSqliteLock } from './sqliteLock.js';
import { OrgsyncError } from '../../core/errors.js';

export { DatabaseCapacityError, isTransientDbError } from './dbErrors.js';

export class LockTimeoutError extends OrgsyncError {
  override readonly name = 'LockTimeoutError';
  constructor(
    readonly organizationCode: string,
    readonly timeoutSeconds: number,
    /** What the caller was: an import waits for imports and API writes, an API write for an import. */
    waiter: 'import' | 'write' = 'import',
  ) {
    super(
      'ORGANIZATION_BUSY',
      waiter === 'import'
        ? `another import of organization "${organizationCode}" is still running; gave up waiting for it after ${timeoutSeconds}s`
        : `an import of organization "${organizationCode}" is running; gave up waiting for it after ${timeoutSeconds}s`,
      { transient: true },
    );
  }
}

export interface LockOptions {
  /** How long to wait for the lock (ORGSYNC_LOCK_TIMEOUT_SECONDS). */
  timeoutSeconds: number;
}

/** This process's lock acquisitions, total wait and timeouts since it started (read by adapters/metrics). */
export const LOCK_STATS = { acquired: 0, waitSeconds: 0, timeouts: 0 };

/**
 * Attempts for work that hits a deadlock, a row-lock wait timeout or
 * SQLITE_BUSY. API writes get more: they are short, and concurrent moves and
 * cascades of overlapping subtrees lock rows in orders no one can fix in
 * advance, so InnoDB breaks the odd deadlock by rolling one back.
 */
const MAX_ATTEMPTS: Record<RowLockMode, number> = { exclusive: 3, shared: 8 };

/** An API write that lost every attempt to deadlocks with other API writes: busy, retry later (503). */
export class WriteConflictError extends OrgsyncError {
  override readonly name = 'WriteConflictError';
  constructor(organizationCode: string, attempts: number, cause: unknown) {
    super('ORGANIZATION_BUSY', `concurrent writes of organization "${organizationCode}" kept conflicting with this one; gave up after ${attempts} attempts`, {
      cause,
      transient: true,
    });
  }
}

/**
 * `orgsync:` + SHA-1 hex of the database name and the code: 48 characters,
 * within MySQL's 64-character limit for lock names whatever the code's length.
 * MySQL lock names are server-wide, so the database is part of the name (a
 * staging and a production database on one server must not wait on each
 * other). Hashing also keeps `Acme` and `acme` (two organizations) apart,
 * although lock names themselves compare case-insensitively.
 */
export function organizationLockName(organizationCode: string, database = ''): string {
  return `orgsync:${createHash('sha1').update(`${database}\u0000${organizationCode}`, 'utf8').digest('hex')}`;
}

function databaseOf(db: Db): string {
  const connection = (db.knex.client as { config?: { connection?: { database?: unknown } } }).config?.connection;
  return typeof connection?.database === 'string' ? connection.database : '';
}

/**
 * Runs `fn` in a transaction while holding the organization's lock
 * exclusively; commits when it resolves, rolls back when it throws. Throws
 * LockTimeoutError when another import, or the API writes in flight, hold it
 * for longer than `timeoutSeconds`.
 *
 * `fn` may run up to three times (deadlocks and busy errors are retried after
 * a rollback), so it must read the state it plans from inside `trx`, and must
 * run every query through `trx`: on SQLite the transaction holds the only
 * connection, so a query on `db.knex` would wait for it until the acquire timeout.
 */
export function withOrganizationLock<T>(db: Db, organizationCode: string, fn: (trx: Knex.Transaction) => Promise<T>, opts: LockOptions): Promise<T> {
  return withLock(db, organizationCode, 'exclusive', fn, opts);
}

/**
 * Runs `fn` in a transaction holding the organization's lock in shared mode:
 * concurrent with other API writes of the organization, never with an import
 * of it. Waits at most `timeoutSeconds` for an import, then throws
 * LockTimeoutError. `fn` locks the rows it reads to decide (FOR UPDATE or LOCK
 * IN SHARE MODE): other API writes run beside it. Same retry rules as above.
 */
export function withDepartmentWrite<T>(db: Db, organizationCode: string, fn: (trx: Knex.Transaction) => Promise<T>, opts: LockOptions): Promise<T> {
  return withLock(db, organizationCode, 'shared', fn, opts);
}

/** One attempt at the locked work: the lock's name, the one deadline of all attempts, the error its expiry throws. */
type Attempt<T> = (name: string, deadline: number, timeout: () => LockTimeoutError, acquired: () => void) => Promise<T>;

function withLock<T>(db: Db, organizationCode: string, mode: RowLockMode, fn: (trx: Knex.Transaction) => Promise<T>, opts: LockOptions): Promise<T> {
  return withAttempts(db, organizationCode, mode, opts, (name, deadline, timeout, acquired) => {
    // Counted for /metrics at the first entry into fn.
    const counted = (trx: Knex.Transaction) => {
      acquired();
      return fn(trx);
    };
    if (db.dialect !== 'mysql') return withSqliteLock(db, name, counted, deadline, timeout);
    return mode === 'exclusive' ? withMysqlLock(db, name, counted, deadline, timeout) : withSharedRowLock(db, name, counted, deadline, timeout);
  });
}

/**
 * An API write that sends its own statements (departmentCreate.ts: a create
 * in two round trips) on a connection of the API-write pool, MySQL/MariaDB
 * only: `fn` gets the raw driver connection with no transaction open, and
 * must open one whose first locking read is the organization's row in shared
 * mode (rowLockStatements), and end it. The same slots, deadline, retries
 * and errors as withDepartmentWrite.
 */
export function withApiWriteConnection<T>(
  db: Db,
  organizationCode: string,
  fn: (connection: unknown, lock: { name: string; deadline: number; timeout: () => LockTimeoutError; acquired: () => void }) => Promise<T>,
  opts: LockOptions,
): Promise<T> {
  const pool = db.apiWrites;
  if (db.dialect !== 'mysql' || !pool) throw new Error('withApiWriteConnection: MySQL/MariaDB with an API-write pool only');
  return withAttempts(db, organizationCode, 'shared', opts, async (name, deadline, timeout, acquired) => {
    const slots = writeSlotsOf(db);
    if (!(await slots.acquire(deadline))) throw timeout();
    try {
      await ensureLockRow(db, name);
      const client = pool.client as PoolClient;
      const connection = await client.acquireConnection();
      try {
        return await fn(connection, { name, deadline, timeout, acquired });
      } finally {
        await client.releaseConnection(connection);
      }
    } finally {
      slots.release();
    }
  });
}

async function withAttempts<T>(db: Db, organizationCode: string, mode: RowLockMode, { timeoutSeconds }: LockOptions, attempt: Attempt<T>): Promise<T> {
  // One deadline for all attempts: a retry does not restart the wait.
  const deadline = Date.now() + timeoutSeconds * 1000;
  const timeout = () => new LockTimeoutError(organizationCode, timeoutSeconds, mode === 'exclusive' ? 'import' : 'write');
  const name = organizationLockName(organizationCode, databaseOf(db));
  const asked = Date.now();
  // Counted for /metrics: how long each acquisition waited.
  const acquired = () => {
    LOCK_STATS.acquired += 1;
    LOCK_STATS.waitSeconds += (Date.now() - asked) / 1000;
  };
  for (let n = 1; ; n++) {
    try {
      return await attempt(name, deadline, timeout, acquired);
    } catch (err) {
      if (err instanceof LockTimeoutError) LOCK_STATS.timeouts += 1;
      if (isLockTableFull(err)) throw new DatabaseCapacityError(organizationCode, err);
      if (err instanceof LockTimeoutError || !isTransientConflict(err)) throw err;
      if (n >= MAX_ATTEMPTS[mode]) throw mode === 'shared' ? new WriteConflictError(organizationCode, n, err) : err;
      await sleep(Math.min(50 * 2 ** (n - 1), 400) + Math.random() * 50);
    }
  }
}

// ---------------------------------------------------------------- MySQL

interface PoolClient {
  acquireConnection(): Promise<unknown>;
  releaseConnection(connection: unknown): Promise<unknown>;
}

const secondsLeft = (deadline: number) => (deadline - Date.now()) / 1000;

async function withMysqlLock<T>(
  db: Db,
  name: string,
  fn: (trx: Knex.Transaction) => Promise<T>,
  deadline: number,
  timeout: () => LockTimeoutError,
): Promise<T> {
  // A named lock belongs to a session: the connection that takes it must also
  // run the transaction and release it, so we take one out of the pool ourselves.
  const client = db.knex.client as PoolClient;
  const connection = await client.acquireConnection();
  let held = false;
  try {
    // Whole seconds: MySQL and MariaDB differ on fractional timeouts.
    const waitSeconds = Math.max(0, Math.ceil(secondsLeft(deadline)));
    const [[row]] = (await db.knex
      .raw('SELECT GET_LOCK(?, ?) AS acquired', [name, waitSeconds])
      .connection(connection)) as [[{ acquired: unknown } | undefined], unknown];
    // 1: ours; 0: timed out; NULL: an error such as the thread being killed.
    if (row?.acquired === null || row?.acquired === undefined) throw new Error(`GET_LOCK('${name}') failed`);
    if (Number(row.acquired) !== 1) throw timeout();
    held = true;
    await ensureLockRow(db, name, connection);
    // With `connection` given, knex runs the transaction on it and leaves it to us.
    // The row lock first: it waits for the API writes in flight, and the snapshot starts after it.
    return await db.knex.transaction(async (trx) => {
      await lockOrganizationRow(db, trx, name, 'exclusive', secondsLeft(deadline), timeout);
      return fn(trx);
    }, { connection });
  } finally {
    if (held) {
      try {
        await db.knex.raw('SELECT RELEASE_LOCK(?)', [name]).connection(connection);
      } catch {
        // Never return a connection that may still hold the lock to the pool:
        // closing the session releases it server-side, and the pool discards
        // the closed connection instead of reusing it.
        (connection as { destroy?: () => void }).destroy?.();
      }
    }
    await client.releaseConnection(connection);
  }
}

/**
 * API writes in a transaction at once, per process. An API write waiting for
 * an import holds its connection (the wait is inside its transaction): with
 * the API-write pool (MySQL/MariaDB, Db.apiWrites) the bound is its size, so
 * writes queued behind a long import wait here, under their deadline, and
 * never take the connections of imports, reads or the worker's lease
 * renewals. Without one (a Db made by hand), writes share the pool and leave
 * POOL_RESERVE connections to the rest.
 */
const POOL_RESERVE = 3;
const writeSlots = new WeakMap<Knex, Semaphore>();

function writeSlotsOf(db: Db): Semaphore {
  let slots = writeSlots.get(db.knex);
  if (!slots) {
    const maxOf = (k: Knex) => Number((k.client as { pool?: { max?: unknown } }).pool?.max ?? 10);
    const capacity = db.apiWrites ? maxOf(db.apiWrites) : maxOf(db.knex) - POOL_RESERVE;
    writeSlots.set(db.knex, (slots = new Semaphore(Math.max(1, capacity))));
  }
  return slots;
}

/** An API write: the organization's row in shared mode, as the transaction's first statement. */
async function withSharedRowLock<T>(db: Db, name: string, fn: (trx: Knex.Transaction) => Promise<T>, deadline: number, timeout: () => LockTimeoutError): Promise<T> {
  const slots = writeSlotsOf(db);
  if (!(await slots.acquire(deadline))) throw timeout();
  try {
    await ensureLockRow(db, name);
    // READ COMMITTED: an API write decides by locking reads of the rows it
    // touches and by the unique indexes, never by a snapshot, and at this level
    // InnoDB locks the rows it reads without the gap before them. Under
    // REPEATABLE READ the share lock on a parent (found through its code) also
    // locked the gap below that code, so every create whose own code sorted
    // just before the parent's waited for the others: 10 concurrent creates
    // ran one at a time (75 requests/s whatever the concurrency, measured).
    // The API-write pool's sessions are at that level already (connection.ts):
    // knex's isolationLevel option would send a SET TRANSACTION per write.
    const run = (trx: Knex.Transaction) => lockOrganizationRow(db, trx, name, 'shared', secondsLeft(deadline), timeout).then(() => fn(trx));
    return await (db.apiWrites ? db.apiWrites.transaction(run) : db.knex.transaction(run, { isolationLevel: 'read committed' }));
  } finally {
    slots.release();
  }
}
