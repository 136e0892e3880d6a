/**
 * MySQL/MariaDB: the row lock that keeps imports and API writes of one
 * organization apart (lock.ts says who takes which mode and when).
 *
 * The locked row is the organization's row in import_locks (keyed by the same
 * name as its GET_LOCK), not its row in organizations: departments, runs,
 * tokens and webhooks reference organizations by foreign key, and InnoDB's
 * foreign-key check takes a shared lock on the referenced row, so an import
 * holding that row exclusively would block a token's creation or the next
 * run's submission for as long as it runs. Nothing references import_locks.
 *
 * The row must exist before anyone locks it: a locking read that finds no
 * row takes a gap lock, which never conflicts with another gap lock (two
 * writers would pass each other) and lets new readers overtake a waiting
 * insert. ensureLockRow creates it once, outside any transaction.
 */
import type { Knex } from 'knex';
import type { Db } from './connection.js';
import { TABLES } from './tables.js';
import { toDbDateTime } from './values.js';

export type RowLockMode = 'exclusive' | 'shared';

/** The lock names this process has seen in import_locks, per database handle (rows are never deleted). */
const knownRows = new WeakMap<Knex, Set<string>>();

/**
 * Makes sure the organization's import_locks row exists. A plain read first
 * (it never waits, whoever holds the row), an INSERT IGNORE only when it is
 * missing; remembered, so a process pays this once per organization.
 */
export async function ensureLockRow(db: Db, name: string, connection?: unknown): Promise<void> {
  let known = knownRows.get(db.knex);
  if (!known) knownRows.set(db.knex, (known = new Set()));
  if (known.has(name)) return;
  const run = <T>(q: Knex.QueryBuilder | Knex.Raw<T>) => (connection === undefined ? q : q.connection(connection));
  const found = (await run(db.knex(TABLES.importLocks).select('lock_name').where({ lock_name: name }).first())) as unknown;
  if (found === undefined) {
    await run(db.knex.raw(`INSERT IGNORE INTO ${TABLES.importLocks} (lock_name, locked_at) VALUES (?, ?)`, [name, toDbDateTime(new Date())]));
  }
  known.add(name);
}

/** Forget the rows this process has seen (a test that empties import_locks). */
export function forgetLockRows(db: Db): void {
  knownRows.delete(db.knex);
}

const mariaDb = new WeakMap<Knex, Promise<boolean>>();

/** MariaDB has SET STATEMENT (one round trip); MySQL 8 needs SET SESSION before and after. */
export function isMariaDb(db: Db): Promise<boolean> {
  let known = mariaDb.get(db.knex);
  if (!known) {
    known = (db.knex.raw('SELECT VERSION() AS v') as unknown as Promise<[[{ v: unknown }]]>).then(([[row]]) => /mariadb/i.test(String(row.v)));
    // A failed probe is not remembered: the next lock asks again.
    known.catch(() => mariaDb.delete(db.knex));
    mariaDb.set(db.knex, known);
  }
  return known;
}

/** InnoDB gave up waiting for a row lock (innodb_lock_wait_timeout): errno 1205. */
export function isLockWaitTimeout(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; depth < 5 && typeof e === 'object' && e !== null; depth++) {
    const { code, errno } = e as { code?: unknown; errno?: unknown };
    if (code === 'ER_LOCK_WAIT_TIMEOUT' || errno === 1205) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * Locks the organization's row in `trx`, waiting at most `waitSeconds`
 * (whole seconds, at least 1: innodb_lock_wait_timeout's unit) and throwing
 * `onTimeout()` when the wait runs out. Must be the transaction's first
 * statement that reads a table: a locking read opens no read view, so the
 * REPEATABLE READ snapshot of the transaction's first plain read is taken
 * after the lock is granted, and sees every write of the holders it waited for.
 * Later lock waits of the transaction keep the session's own timeout.
 */
export async function lockOrganizationRow(db: Db, trx: Knex.Transaction, name: string, mode: RowLockMode, waitSeconds: number, onTimeout: () => Error): Promise<void> {
  const { before, lock, after } = rowLockStatements(await isMariaDb(db), mode, waitSeconds);
  try {
    if (before === undefined || after === undefined) {
      await trx.raw(lock, [name]);
      return;
    }
    await trx.raw(before);
    try {
      await trx.raw(lock, [name]);
    } finally {
      await trx.raw(after);
    }
  } catch (err) {
    if (isLockWaitTimeout(err)) throw onTimeout();
    throw err;
  }
}

/**
 * The statements of lockOrganizationRow, for callers that send them in a
 * batch of their own (departmentCreate.ts): `lock` (its last `?` the lock
 * name) waits at most `waitSeconds`; on MySQL 8, `before` and `after` set
 * the session's timeout and put it back (`after` must also run when `lock`
 * fails).
 *
 * `read` widens the read for an API create (departmentCreateSql.ts
 * lockedParentRead): other columns, and a LEFT JOIN of the rows that it
 * share-locks with the organization's row, in the same statement. The
 * organization's row is still locked first (the outer table of the join, a
 * primary-key read: MariaDB reads it before the joined rows, which wait
 * holding it, as they did in a statement of their own), and the lock wait of
 * the joined rows ends at the same deadline.
 */
export function rowLockStatements(
  mariaDb: boolean,
  mode: RowLockMode,
  waitSeconds: number,
  read: { columns: string; join: string } = { columns: 'lock_name', join: '' },
): { before?: string; lock: string; after?: string } {
  const seconds = Math.max(1, Math.ceil(waitSeconds));
  const select = `SELECT ${read.columns} FROM ${TABLES.importLocks}${read.join} WHERE lock_name = ? ${mode === 'exclusive' ? 'FOR UPDATE' : 'LOCK IN SHARE MODE'}`;
  if (mariaDb) return { lock: `SET STATEMENT innodb_lock_wait_timeout = ${seconds} FOR ${select}` };
  return {
    before: `SET @orgsync_lock_wait = @@SESSION.innodb_lock_wait_timeout, SESSION innodb_lock_wait_timeout = ${seconds}`,
    lock: select,
    after: 'SET SESSION innodb_lock_wait_timeout = @orgsync_lock_wait',
  };
}
