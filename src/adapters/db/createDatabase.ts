/**
 * `orgsync migrate` against a MySQL/MariaDB database that does not exist yet:
 * found by asking the server (not by letting the pool fail with a driver
 * stack trace), and created on request with `--create-database` in the
 * character set the schema check expects (utf8mb4; see serverCheck.ts).
 */
import knexFactory, { type Knex } from 'knex';
import { OrgsyncError } from '../../core/errors.js';

export class DatabaseMissingError extends OrgsyncError {
  override readonly name = 'DatabaseMissingError';
  constructor(readonly database: string) {
    super('DATABASE_NOT_READY', `the database "${database}" does not exist on that server: run "orgsync migrate --create-database" to create it`);
  }
}

const SILENT = { warn: () => undefined, error: () => undefined, deprecate: () => undefined, debug: () => undefined };

/** The server of `url` with no database selected, and the database's name. */
function serverOf(url: string): { knex: Knex; database: string } {
  const u = new URL(url);
  const database = decodeURIComponent(u.pathname.replace(/^\//, ''));
  u.pathname = '/';
  const knex = knexFactory({ log: SILENT, client: 'mysql2', connection: { uri: u.toString(), charset: 'utf8mb4' }, pool: { min: 0, max: 1 } });
  return { knex, database };
}

/**
 * Throws DatabaseMissingError when the server answers that the database is not
 * there, or creates it when `create` is set. Anything else (a bad password, an
 * unreachable host) is left to the ordinary connection, which reports it.
 */
export async function ensureMysqlDatabase(url: string, create: boolean): Promise<'exists' | 'created' | 'unknown'> {
  let server: { knex: Knex; database: string };
  try {
    server = serverOf(url);
  } catch {
    return 'unknown';
  }
  const { knex, database } = server;
  if (database === '') return 'unknown';
  try {
    let found: unknown[];
    try {
      found = ((await knex.raw('SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [database])) as [unknown[]])[0];
    } catch {
      return 'unknown';
    }
    if (found.length > 0) return 'exists';
    if (!create) throw new DatabaseMissingError(database);
    // utf8mb4_unicode_ci exists on every MySQL 5.7+/8 and MariaDB 10+; the tables set their own collations.
    await knex.raw('CREATE DATABASE IF NOT EXISTS ?? CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci', [database]);
    return 'created';
  } finally {
    await knex.destroy();
  }
}
