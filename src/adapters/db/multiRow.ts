/**
 * Multi-row INSERT and upsert statements written directly instead of through
 * knex's query builder: the builder normalises every row object (the union
 * of their keys, sorted), wraps every value and rebuilds the column list per
 * statement; knex's raw() still visits every `?` and every binding. Together
 * ~0.4 s of CPU for a 100,000-department import (--cpu-prof), in series with
 * the database. Here a batch is an array of value arrays in a fixed column
 * order. MySQL: one `?` for the whole VALUES list, which mysql2 expands and
 * escapes itself (`(a, b), (c, d)`); SQLite: one `?` per value, bound by
 * better-sqlite3, with the statement's text made once per batch size. No
 * value is ever put into the SQL text by this code.
 */
import type { Knex } from 'knex';
import mysql from 'mysql2';
import type { Dialect } from './connection.js';

const quote = (dialect: Dialect, name: string): string => (dialect === 'mysql' ? `\`${name}\`` : `"${name}"`);

export interface MultiRowStatement {
  readonly dialect: Dialect;
  /** The statement for `rows` rows (cached per count: most batches have the same size). */
  sql(rows: number): string;
}

/**
 * `INSERT INTO table (columns) VALUES (...), ...`, and with `upsert`, what to
 * do with a row whose `upsert.key` exists: overwrite `upsert.columns` with
 * the new values (ON DUPLICATE KEY UPDATE / ON CONFLICT DO UPDATE).
 */
export function multiRowInsert(
  dialect: Dialect,
  table: string,
  columns: readonly string[],
  upsert?: { key: string; columns: readonly string[] },
): MultiRowStatement {
  const head = `INSERT INTO ${quote(dialect, table)} (${columns.map((c) => quote(dialect, c)).join(', ')}) VALUES `;
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  let tail = '';
  if (upsert) {
    const set = upsert.columns.map((c) => quote(dialect, c));
    tail =
      dialect === 'mysql'
        ? ` ON DUPLICATE KEY UPDATE ${set.map((c) => `${c} = VALUES(${c})`).join(', ')}`
        : ` ON CONFLICT (${quote(dialect, upsert.key)}) DO UPDATE SET ${set.map((c) => `${c} = excluded.${c}`).join(', ')}`;
  }
  const cache = new Map<number, string>();
  return {
    dialect,
    sql(rows: number): string {
      if (dialect === 'mysql') return `${head}?${tail}`;
      let text = cache.get(rows);
      if (text === undefined) {
        text = head + Array.from({ length: rows }, () => tuple).join(', ') + tail;
        cache.set(rows, text);
      }
      return text;
    },
  };
}

/**
 * A VALUES list that mysql2 writes into the statement with its own escaping
 * (`toSqlString` is mysql2's hook for this) when it sends the statement.
 * Passed to knex as one object, not as an array of arrays: knex searches an
 * array binding, value by value, for `undefined` (~0.1 s per 100,000 rows).
 * Undefined values become NULL here, as mysql2 writes them.
 */
class EscapedRows {
  constructor(readonly rows: readonly (readonly unknown[])[]) {}
  toSqlString(): string {
    return mysql.escape(this.rows as Parameters<typeof mysql.escape>[0]);
  }
}

/** Sends one batch (rows of values in the statement's column order) in `trx`. */
export function sendBatch(trx: Knex.Transaction, statement: MultiRowStatement, rows: readonly (readonly unknown[])[]): Knex.Raw {
  if (statement.dialect === 'mysql') return trx.raw(statement.sql(rows.length), [new EscapedRows(rows) as unknown as Knex.RawBinding]);
  const bindings: unknown[] = [];
  for (const row of rows) for (const v of row) bindings.push(v === undefined ? null : v);
  return trx.raw(statement.sql(rows.length), bindings as Knex.RawBinding[]);
}
