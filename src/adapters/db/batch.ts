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

export function* batches<T extends Record<string, unknown>>(rows: readonly T[], maxRows: number): Generator<T[]> {
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
