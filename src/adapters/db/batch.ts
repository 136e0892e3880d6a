/**
 * Splits rows into statement-sized batches. Multi-row statements are what
 * makes large imports fast, but each one must stay under the server's limits:
 * MySQL's max_allowed_packet (16 MB default on MariaDB, 64 MB on MySQL 8) and
 * SQLite's 500-term compound SELECT that knex uses for multi-row inserts.
 */
import type { Dialect } from './connection.js';

/** Rows per multi-row statement. */
export function maxBatchRows(dialect: Dialect): number {
  return dialect === 'mysql' ? 1000 : 500;
}

/**
 * Well below every default max_allowed_packet, so one statement never exceeds
 * it; and small enough (about 128 K characters of SQL) that V8 makes each
 * statement's text, and the array of its bindings, ordinary young-generation
 * objects. At 4 MiB a 1,000-department statement was ~480 KB of SQL: large
 * objects, garbage only a full GC reclaims, and a 1,000,000-department import
 * grew to 2.5 GB RSS; with statements of ~250 departments, 1.96 GB, at the
 * same speed. (Membership rows are small: they still go 1,000 per statement.)
 */
const MAX_BATCH_BYTES = 512 * 1024;

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
