/**
 * SQLite's side of lock.ts: the database has a single writer, so the lock is
 * the write lock itself: the transaction's first statement is a write (to
 * import_locks), which no other connection can make until we commit. Imports
 * and API writes of every organization are serialised (API writes too: there
 * is only one writer), each waiting at most its deadline.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Knex } from 'knex';
import { type Db, SQLITE_BUSY_TIMEOUT_MS } from './connection.js';
import { isSqliteBusy } from './dbErrors.js';
import { TABLES } from './tables.js';
import { toDbDateTime } from './values.js';
import { OrgsyncError } from '../../core/errors.js';

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
 * A FIFO semaphore with a deadline (a mutex with capacity 1). Within one
 * process, SQLite imports queue here rather than on the pool's single
 * connection, so they honour `timeoutSeconds` and leave the connection free
 * for other queries while they wait; lock.ts bounds MySQL API writes with it.
 */
export class Semaphore {
  private held = 0;
  private readonly waiters: (() => void)[] = [];

  constructor(private readonly capacity = 1) {}

  /** Resolves true when acquired, false when the deadline passed first. */
  acquire(deadline: number): Promise<boolean> {
    if (this.held < this.capacity) {
      this.held += 1;
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

  /** Hands the place to the next waiter, if any. */
  release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.held -= 1;
  }
}

const processMutexes = new WeakMap<Knex, Semaphore>();

function processMutex(db: Db): Semaphore {
  let mutex = processMutexes.get(db.knex);
  if (!mutex) {
    mutex = new Semaphore(1);
    processMutexes.set(db.knex, mutex);
  }
  return mutex;
}

export async function withSqliteLock<T>(
  db: Db,
  name: string,
  fn: (trx: Knex.Transaction) => Promise<T>,
  deadline: number,
  timeout: () => Error,
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
