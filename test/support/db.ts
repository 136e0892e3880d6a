/**
 * Throw-away databases for integration tests, one per test file (files run in
 * parallel): MySQL/MariaDB at MYSQL_TEST_URL (default root@127.0.0.1:3306), or
 * a fresh SQLite file in a temp directory. Both come back migrated.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { type Db, migrateLatest, openDatabase } from '../../src/adapters/db/index.js';

export const dialects = ['mysql', 'sqlite'] as const;
export type TestDialect = (typeof dialects)[number];

export type TestDb = Db & {
  /** The MySQL database name, or the SQLite file path. */
  location: string;
  drop(): Promise<void>;
};

const MYSQL_TEST_URL = process.env.MYSQL_TEST_URL ?? 'mysql://root@127.0.0.1:3306';

export function mysqlTestUrl(database: string): string {
  const url = new URL(MYSQL_TEST_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

/** Per test name and process, so two test runs on one server never drop each other's databases. */
function databaseName(name: string): string {
  const suffix = `_${process.pid}`;
  return `orgsync_t_${name.toLowerCase().replace(/[^a-z0-9_]/g, '_')}`.slice(0, 64 - suffix.length) + suffix;
}

export async function openTestDatabase(dialect: TestDialect, name: string, lockTimeoutSeconds = 10): Promise<TestDb> {
  if (dialect === 'mysql') return openMysqlTestDatabase(name, lockTimeoutSeconds);
  const dir = mkdtempSync(join(tmpdir(), `orgsync-${databaseName(name)}-`));
  const sqlitePath = join(dir, 'orgsync.sqlite');
  const db = await openDatabase({ url: undefined, sqlitePath, lockTimeoutSeconds });
  await migrateLatest(db);
  return {
    ...db,
    location: sqlitePath,
    async drop() {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function openMysqlTestDatabase(name: string, lockTimeoutSeconds: number): Promise<TestDb> {
  const database = databaseName(name);
  await adminQuery(`DROP DATABASE IF EXISTS \`${database}\``);
  await adminQuery(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  const db = await openDatabase({ url: mysqlTestUrl(database), sqlitePath: '', lockTimeoutSeconds });
  await migrateLatest(db);
  return {
    ...db,
    location: database,
    async drop() {
      await db.close();
      await adminQuery(`DROP DATABASE IF EXISTS \`${database}\``);
    },
  };
}

async function adminQuery(sql: string): Promise<void> {
  const conn = await mysql.createConnection({ uri: MYSQL_TEST_URL });
  try {
    await conn.query(sql);
  } finally {
    await conn.end();
  }
}

/** A second handle (its own pool) on the same database, as another process would have. */
export function openSecondHandle(db: TestDb): Promise<Db> {
  return db.dialect === 'sqlite'
    ? openDatabase({ url: undefined, sqlitePath: db.location, lockTimeoutSeconds: 10 })
    : openDatabase({ url: mysqlTestUrl(db.location), sqlitePath: '', lockTimeoutSeconds: 10 });
}
