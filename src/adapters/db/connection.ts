/**
 * Opens the database orgsync writes to: MySQL/MariaDB when a URL is configured,
 * otherwise the embedded SQLite file. Everything dialect-specific about the
 * connection itself (session settings, pool sizes, pragmas) lives here.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import knexFactory, { type Knex } from 'knex';
import type { DatabaseConfig } from '../../config.js';

/**
 * knex's own warnings (a failed connection attempt, with its stack) would go
 * to stdout, where the CLI prints reports and --json answers: send them to
 * stderr, one line each.
 */
const toStderr = (message: unknown): void => void process.stderr.write(`knex: ${String(message).split('\n')[0]}\n`);
const KNEX_LOG = { warn: toStderr, error: toStderr, deprecate: toStderr, debug: () => undefined };

export type Dialect = 'mysql' | 'sqlite';

export interface Db {
  knex: Knex;
  dialect: Dialect;
  /**
   * MySQL/MariaDB: the pool API writes run their transactions on (lock.ts,
   * departmentCreate.ts), kept apart from `knex`'s because its sessions are
   * set up differently: READ COMMITTED for the session (an API write decides
   * by locking reads and unique indexes, never by a snapshot; set once per
   * connection instead of a `SET TRANSACTION` before every transaction) and
   * multiple statements per round trip (a create sends its reads in one
   * and its writes with the COMMIT in another; every value bound with `?`).
   * Imports, reverts and reads never run here: they keep REPEATABLE READ.
   */
  apiWrites?: Knex;
  close(): Promise<void>;
}

/** Callback-style pool hook, as knex/tarn call it. */
type AfterCreate = (conn: unknown, done: (err: Error | null, conn: unknown) => void) => void;

export async function openDatabase(config: DatabaseConfig): Promise<Db> {
  const db = config.url === undefined ? openSqlite(config) : openMysql(config.url);
  try {
    // Fail here, with the driver's own message (bad password, unknown host,
    // unwritable file), rather than in the middle of the first import.
    await db.knex.raw('select 1');
  } catch (err) {
    await db.close().catch(() => undefined);
    throw err;
  }
  return db;
}

/**
 * Connections of the API-write pool (Db.apiWrites). As many as API writes
 * were allowed in flight on the shared pool before it had its own (its 10
 * minus the 3 kept for imports and reads): enough for a process, whose CPU
 * bounds its writes long before the database does.
 */
export const API_WRITE_POOL_SIZE = 7;

/** Sends `sql` as a pooled connection's first statement; the pool gets the connection when it succeeds. */
const sessionSetup =
  (sql: string): AfterCreate =>
  (conn, done) =>
    (conn as { query(sql: string, cb: (err: Error | null) => void): void }).query(sql, (err) => done(err, conn));

// Sessions run in UTC so that NOW()/CURRENT_TIMESTAMP agree with the UTC
// strings the repositories write (see values.ts), whatever the server's zone.
const UTC = "SET time_zone = '+00:00'";

function openMysql(url: string): Db {
  const database = databaseNameOf(url);
  const knex = mysqlKnex(url, database, { max: 10, afterCreate: sessionSetup(UTC), multipleStatements: false });
  // SET SESSION TRANSACTION, not the variable (tx_isolation or transaction_isolation, by server and version).
  const apiWrites = mysqlKnex(url, database, {
    max: API_WRITE_POOL_SIZE,
    afterCreate: sessionSetup(`${UTC}; SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED`),
    multipleStatements: true,
  });
  return { knex, dialect: 'mysql', apiWrites, close: () => Promise.all([knex.destroy(), apiWrites.destroy()]).then(() => undefined) };
}

function mysqlKnex(url: string, database: string, pool: { max: number; afterCreate: AfterCreate; multipleStatements: boolean }): Knex {
  return knexFactory({
    log: KNEX_LOG,
    client: 'mysql2',
    connection: {
      // mysql2 parses the URL itself, including query options such as ?ssl=...;
      // the explicit options below win over anything the URL says.
      uri: url,
      database,
      // Dates are written as UTC strings and read back as strings (dateStrings),
      // so no driver- or server-timezone conversion ever touches them; 'Z' only
      // matters if some caller binds a JS Date directly.
      timezone: 'Z',
      dateStrings: true,
      charset: 'utf8mb4',
      // BIGINT columns (import_row_results.id) come back as numbers while they
      // are safe integers and as strings beyond that, never silently rounded.
      supportBigNumbers: true,
      bigNumberStrings: false,
      multipleStatements: pool.multipleStatements,
    },
    // min 0: an idle CLI process holds no server connections; the main pool's 10
    // are enough for a worker running a few imports (each pins one connection for its lock).
    pool: { min: 0, max: pool.max, afterCreate: pool.afterCreate },
  });
}

function databaseNameOf(url: string): string {
  let name: string;
  try {
    name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  } catch {
    throw new Error('DATABASE_URL is not a valid URL (expected mysql://user:password@host:3306/database)');
  }
  if (name === '') {
    throw new Error('DATABASE_URL names no database: add it to the path, e.g. mysql://user:password@host:3306/orgsync');
  }
  return name;
}

/** Keeps the connection's busy_timeout in one place: lock.ts lowers it temporarily and restores this. */
export const SQLITE_BUSY_TIMEOUT_MS = 30_000;

function openSqlite(config: DatabaseConfig): Db {
  const filename = config.sqlitePath;
  if (filename !== ':memory:') mkdirSync(dirname(resolve(filename)), { recursive: true });
  const afterCreate: AfterCreate = (conn, done) => {
    try {
      const sqlite = conn as { pragma(source: string): unknown };
      sqlite.pragma('foreign_keys = ON');
      // WAL: readers never block the writer and vice versa; a second process
      // only waits for the write lock (see lock.ts).
      sqlite.pragma('journal_mode = WAL');
      sqlite.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
      // NORMAL is durable against application crashes in WAL mode; only an OS
      // crash can lose the last commits, which a re-import repairs.
      sqlite.pragma('synchronous = NORMAL');
      done(null, conn);
    } catch (err) {
      done(err as Error, conn);
    }
  };
  const knex = knexFactory({
    log: KNEX_LOG,
    client: 'better-sqlite3',
    connection: { filename },
    useNullAsDefault: true,
    // One connection: SQLite has a single writer anyway, and a single
    // connection makes the transaction in lock.ts the only writer in this
    // process. An import holds it for its whole duration, so other queries of
    // this process may wait that long for it: hence the generous acquire timeout.
    pool: { min: 1, max: 1, afterCreate },
    acquireConnectionTimeout: (config.lockTimeoutSeconds + 60) * 1000,
  });
  return { knex, dialect: 'sqlite', close: () => knex.destroy() };
}
