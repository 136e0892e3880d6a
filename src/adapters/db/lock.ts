/**
 * Serialises imports per organization, across processes: two imports of one
 * organization never interleave, and the second one plans from the first one's
 * committed writes.
 *
 * MySQL/MariaDB: a named lock (GET_LOCK) taken on one pinned pooled connection,
 * which then also runs the transaction; released only after commit/rollback,
 * so the next holder's snapshot includes our writes. Different organizations
 * run concurrently.
 *
 * SQLite: the database has a single writer, so the lock is the write lock
 * itself: the transaction's first statement is a write (to import_locks),
 * which no other connection can make until we commit. Imports of different
 * organizations are serialised too.
 */
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Knex } from 'knex';
import { type Db, SQLITE_BUSY_TIMEOUT_MS } from './connection.js';
import { isSqliteBusy, isTransientConflict } from './dbErrors.js';
import { TABLES } from './tables.js';
import { toDbDateTime } from './values.js';
import { OrgsyncError } from '../../core/errors.js';

export { isTransientDbError } from './dbErrors.js';

export class LockTimeoutError extends OrgsyncError {
  override readonly name = 'LockTimeoutError';
  constructor(
    readonly organizationCode: string,
    readonly timeoutSeconds: number,
  ) {
    super(
      'ORGANIZATION_BUSY',
      `another import of organization "${organizationCode}" is still running; gave up waiting for it after ${timeoutSeconds}s`,
      { transient: true },
    );
  }
}

export interface LockOptions {
  /** How long to wait for another import of the same organization (ORGSYNC_LOCK_TIMEOUT_SECONDS). */
  timeoutSeconds: number;
}

/** This process's lock acquisitions, total wait and timeouts since it started (read by adapters/metrics). */
export const LOCK_STATS = { acquired: 0, waitSeconds: 0, timeouts: 0 };

/** Attempts for work that hits a deadlock, a row-lock wait timeout or SQLITE_BUSY. */
const MAX_ATTEMPTS = 3;

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
 * Runs `fn` in a transaction while holding the organization's lock; commits
 * when it resolves, rolls back when it throws. Throws LockTimeoutError when
 * another import holds the lock for longer than `timeoutSeconds`.
 *
 * `fn` may run up to three times (deadlocks and busy errors are retried after
 * a rollback), so it must read the state it plans from inside `trx`, and must
 * run every query through `trx`: on SQLite the transaction holds the only
 * connection, so a query on `db.knex` would wait for it until the acquire timeout.
 */
export async function withOrganizationLock<T>(
  db: Db,
  organizationCode: string,
  fn: (trx: Knex.Transaction) => Promise<T>,
  { timeoutSeconds }: LockOptions,
): Promise<T> {
  // One deadline for all attempts: a retry does not restart the wait.
  const deadline = Date.now() + timeoutSeconds * 1000;
  const timeout = () => new LockTimeoutError(organizationCode, timeoutSeconds);
  const name = organizationLockName(organizationCode, databaseOf(db));
  const asked = Date.now();
  // Counted for /metrics: how long each acquisition waited (first entry into fn).
  const counted = (trx: Knex.Transaction) => {
    LOCK_STATS.acquired += 1;
    LOCK_STATS.waitSeconds += (Date.now() - asked) / 1000;
    return fn(trx);
  };
  for (let attempt = 1; ; attempt++) {
    try {
      return db.dialect === 'mysql'
        ? await withMysqlLock(db, name, counted, deadline, timeout)
        : await withSqliteLock(db, name, counted, deadline, timeout);
    } catch (err) {
      if (err instanceof LockTimeoutError) LOCK_STATS.timeouts += 1;
      if (err instanceof LockTimeoutError || attempt >= MAX_ATTEMPTS || !isTransientConflict(err)) throw err;
      await sleep(50 * 2 ** (attempt - 1) + Math.random() * 50);
    }
  }
}

// ---------------------------------------------------------------- MySQL

interface PoolClient {
  acquireConnection(): Promise<unknown>;
  releaseConnection(connection: unknown): Promise<unknown>;
}

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
    const waitSeconds = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
    const [[row]] = (await db.knex
      .raw('SELECT GET_LOCK(?, ?) AS acquired', [name, waitSeconds])
      .connection(connection)) as [[{ acquired: unknown } | undefined], unknown];
    // 1: ours; 0: timed out; NULL: an error such as the thread being killed.
    if (row?.acquired === null || row?.acquired === undefined) throw new Error(`GET_LOCK('${name}') failed`);
    if (Number(row.acquired) !== 1) throw timeout();
    held = true;
    // With `connection` given, knex runs the transaction on it and leaves it to us.
    return await db.knex.transaction(fn, { connection });
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

// ---------------------------------------------------------------- SQLite

/** How long one write-lock attempt blocks (better-sqlite3 waits synchronously, blocking the event loop). */
const SQLITE_LOCK_ATTEMPT_MS = 50;
/** Pause between attempts, during which this process's event loop runs freely. */
const SQLITE_LOCK_POLL_MS = 100;

/** Another connection (another process) holds the write lock. */
class SqliteWriteLockBusy extends OrgsyncError {
  override readonly name = 'SqliteWriteLockBusy';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('ORGANIZATION_BUSY', message, { ...options, transient: true });
  }
}

/**
 * A FIFO mutex with a deadline. Within one process, imports queue here rather
 * than on the pool's single connection, so they honour `timeoutSeconds`
 * and leave the connection free for other queries while they wait.
 */
class Mutex {
  private locked = false;
  private readonly waiters: (() => void)[] = [];

  /** Resolves true when acquired, false when the deadline passed first. */
  acquire(deadline: number): Promise<boolean> {
    if (!this.locked) {
      this.locked = true;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const waiter = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(
        () => {
          const i = this.waiters.indexOf(waiter);
          if (i >= 0) this.waiters.splice(i, 1);
          resolve(false);
        },
        Math.max(0, deadline - Date.now()),
      );
      this.waiters.push(waiter);
    });
  }

  /** Hands the lock to the next waiter, if any. */
  release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.locked = false;
  }
}

const processMutexes = new WeakMap<Knex, Mutex>();

function processMutex(db: Db): Mutex {
  let mutex = processMutexes.get(db.knex);
  if (!mutex) {
    mutex = new Mutex();
    processMutexes.set(db.knex, mutex);
  }
  return mutex;
}

async function withSqliteLock<T>(
  db: Db,
  name: string,
  fn: (trx: Knex.Transaction) => Promise<T>,
  deadline: number,
  timeout: () => LockTimeoutError,
): Promise<T> {
  const mutex = processMutex(db);
  if (!(await mutex.acquire(deadline))) throw timeout();
  try {
    for (;;) {
      try {
        return await db.knex.transaction(async (trx) => {
          await takeSqliteWriteLock(trx, name);
          return fn(trx);
        });
      } catch (err) {
        if (!(err instanceof SqliteWriteLockBusy)) throw err;
        const remaining = deadline - Date.now();
        if (remaining <= 0) throw timeout();
        // Another process is importing. Poll (rather than wait inside SQLite's
        // busy handler, which would block this process's event loop for up to
        // the whole timeout), starting a fresh transaction each time.
        await sleep(Math.min(SQLITE_LOCK_POLL_MS, remaining));
      }
    }
  } finally {
    mutex.release();
  }
}

/** The transaction's first statement: a write, which takes SQLite's write lock until commit. */
async function takeSqliteWriteLock(trx: Knex.Transaction, name: string): Promise<void> {
  // busy_timeout is per connection, not per transaction: lower it for this
  // one statement and restore it for everything fn does.
  await trx.raw(`PRAGMA busy_timeout = ${SQLITE_LOCK_ATTEMPT_MS}`);
  try {
    await trx(TABLES.importLocks)
      .insert({ lock_name: name, locked_at: toDbDateTime(new Date()) })
      .onConflict('lock_name')
      .merge(['locked_at']);
  } catch (err) {
    if (isSqliteBusy(err)) throw new SqliteWriteLockBusy('the database is locked by another writer', { cause: err });
    throw err;
  } finally {
    await trx.raw(`PRAGMA busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
  }
}
