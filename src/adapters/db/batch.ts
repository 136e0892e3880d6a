/**
 * Splits rows into statement-sized batches. Multi-row statements are what
 * makes large imports fast, but each one must stay under the server's limits:
 * MySQL's max_allowed_packet (16 MB default on MariaDB, 64 MB on MySQL 8) and
 * SQLite's 500-term compound SELECT that knex uses for multi-row inserts.
 */
import type { Knex } from 'knex';
import { format as mysqlFormat, type SqlValue } from 'mysql2';
import type { Db, Dialect } from './connection.js';

/** Rows per multi-row statement. */
export function maxBatchRows(dialect: Dialect): number {
  return dialect === 'mysql' ? Number(process.env.BB ?? 1000) : 500;
}

/** Well below every default max_allowed_packet, so one statement never exceeds it. */
const MAX_BATCH_BYTES = 4 * 1024 * 1024;

/** A cheap upper bound of a row's size on the wire: strings count 4 bytes per UTF-16 unit. */
function approximateBytes(row: Record<string, unknown>): number {
  let bytes = 0;
  for (const value of Object.values(row)) {
    bytes += typeof value === 'string' ? value.length * 4 + 8 : 16;
  }
  return bytes;
}

/** Rows in statement-sized batches; `rows` may be lazy (a generator), so only one batch need exist at a time. */
export function* batches<T extends Record<string, unknown>>(rows: Iterable<T>, maxRows: number): Generator<T[]> {
  let batch: T[] = [];
  let bytes = 0;
  for (const row of rows) {
    const size = approximateBytes(row);
    if (batch.length > 0 && (batch.length >= maxRows || bytes + size > MAX_BATCH_BYTES)) {
      yield batch;
      batch = [];
      bytes = 0;
    }
    batch.push(row);
    bytes += size;
  }
  if (batch.length > 0) yield batch;
}

/** Plain chunking, for `WHERE id IN (...)` lists. */
export function* chunks<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

/** `items.map(fn)`, lazily: with batches(), a large write builds one batch of rows at a time. */
export function* mapped<T, U>(items: Iterable<T>, fn: (item: T) => U): Generator<U> {
  for (const item of items) yield fn(item);
}

/**
 * Runs write statements in order, one at a time on the transaction's
 * connection, preparing each (building its rows, compiling it, and on MySQL
 * escaping it into the final SQL text) while the previous one executes on the
 * server. Preparing is about a fifth of a large import's write time on MySQL,
 * and it no longer adds to it. `statements` is iterated lazily: each step
 * builds the next statement.
 *
 * Never two statements in flight: if one fails, the next is never sent (after
 * a deadlock InnoDB has rolled the whole transaction back, and a statement
 * queued behind the failed one would then run, and commit, on its own).
 */
export async function runInOrder(db: Db, trx: Knex.Transaction, statements: Iterable<Knex.QueryBuilder>): Promise<void> {
  let inFlight: Promise<unknown> | undefined;
  for (const statement of statements) {
    const next = prepare(db, trx, statement);
    if (inFlight) await inFlight;
    inFlight = Promise.resolve(next);
    // Awaited on the next turn; a rejection meanwhile must not count as unhandled.
    inFlight.catch(() => undefined);
  }
  await inFlight;
}

/**
 * MySQL: the statement as final SQL text, escaped now exactly as mysql2 would
 * escape it when sending (its own format(), with the connection's settings:
 * objects not stringified, timezone 'Z'), sent later without bindings.
 * SQLite runs in-process: there is nothing to overlap.
 */
function prepare(db: Db, trx: Knex.Transaction, statement: Knex.QueryBuilder): Knex.QueryBuilder | Knex.Raw {
  if (db.dialect !== 'mysql') return statement;
  const { sql, bindings } = statement.toSQL().toNative();
  return trx.raw(mysqlFormat(sql, bindings as SqlValue[], false, 'Z'));
}
