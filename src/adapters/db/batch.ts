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
 * same speed. The estimate counts 4 bytes per character, so the budget is
 * 3/4 of the 128 KiB (V8's largest ordinary object) in characters: quotes,
 * commas and NULLs add ~20% to a narrow row's text. At 512 KiB a batch of
 * membership or history rows (narrow, ~1,000 per statement) made 135-145 KB
 * statements, large objects that stayed until the next full GC: ~45 MB more
 * peak RSS over the 2,000 statements of a 1,000,000-employee HRIS export.
 */
const MAX_BATCH_BYTES = 384 * 1024;

/**
 * Department rows are wide (~1.5 KB estimated each), so their batches stay at
 * the budget the fresh-import measurements above were made with (~250
 * departments a statement): 3/4 of it would mean a third more statements
 * in the import's transaction, for memory that was measured on narrow rows only.
 */
export const DEPARTMENT_BATCH_BYTES = 512 * 1024;

/** A cheap upper bound of a row's size on the wire: strings count 4 bytes per UTF-16 unit. */
function approximateBytes(row: object): number {
  let bytes = 0;
  for (const value of Object.values(row)) {
    bytes += typeof value === 'string' ? value.length * 4 + 8 : 16;
  }
  return bytes;
}

/** Rows in statement-sized batches; `rows` may be lazy (a generator), so only one batch need exist at a time. */
export function* batches<T extends object>(rows: Iterable<T>, maxRows: number, maxBytes = MAX_BATCH_BYTES): Generator<T[]> {
  let batch: T[] = [];
  let bytes = 0;
  for (const row of rows) {
    const size = approximateBytes(row);
    if (batch.length > 0 && (batch.length >= maxRows || bytes + size > maxBytes)) {
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

/** The most of a failed row's original record that is stored with its row result (UTF-8 bytes of its JSON). */
export const RAW_RECORD_MAX_BYTES = 64 * 1024;

/** Values up to this many UTF-16 units are kept whole while the record has room. */
const RAW_VALUE_KEEP_UNITS = 512;

/**
 * Ends every cut value. It starts with U+001A (SUBSTITUTE), a control
 * character that every field parser refuses: a cut value re-imported by
 * `orgsync retry` fails as INVALID_FIELD instead of being stored shortened.
 */
export const TRUNCATED_MARK = '\u001a…[truncated by orgsync: ';

/** As toDbJson writes them: a reader may give a BigInt (YAML integers), which JSON.stringify refuses. */
const bigintAsText = (_key: string, v: unknown): unknown => (typeof v === 'bigint' ? v.toString() : v);
const toJson = (v: unknown): string => JSON.stringify(v, bigintAsText) ?? 'null';
const jsonBytes = (v: unknown): number => Buffer.byteLength(toJson(v), 'utf8');

/**
 * A failed row's record as stored in import_row_results, within
 * RAW_RECORD_MAX_BYTES of JSON: a 17 MB cell went into one INSERT larger than
 * MariaDB's max_allowed_packet (the connection reset, the run failed
 * INTERNAL_ERROR). A record that fits is returned as is (no copy). Otherwise
 * large values are cut to a share each and marked with TRUNCATED_MARK and
 * their size, and columns past the budget are left out with one marked entry
 * saying how many: the report still shows which column was too big.
 */
export function capRawRecord(raw: Record<string, unknown>): Record<string, unknown> {
  const json = toJson(raw);
  // 3 UTF-8 bytes per UTF-16 unit at most: most records are settled without counting bytes.
  if (json.length * 3 <= RAW_RECORD_MAX_BYTES || Buffer.byteLength(json, 'utf8') <= RAW_RECORD_MAX_BYTES) return raw;
  const keys = Object.keys(raw);
  const texts = keys.map((k) => {
    const v = raw[k];
    return typeof v === 'string' ? v : toJson(v);
  });
  const large = texts.filter((t) => t.length > RAW_VALUE_KEEP_UNITS).length;
  // Room for the marks and the closing entry; the rest shared by the large values.
  const budget = RAW_RECORD_MAX_BYTES - 512;
  const share = Math.max(RAW_VALUE_KEEP_UNITS, Math.floor(budget / 2 / Math.max(1, large) / 3));
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  let used = 2;
  let i = 0;
  for (; i < keys.length; i++) {
    const key = keys[i]!;
    const text = texts[i]!;
    const k = key.length > 256 ? `${cutText(key, 256)}…` : key;
    const v = text.length <= RAW_VALUE_KEEP_UNITS ? raw[key] : `${cutText(text, share)}${TRUNCATED_MARK}the value had ${Buffer.byteLength(text, 'utf8')} bytes]`;
    const cost = jsonBytes(k) + jsonBytes(v) + 2;
    if (used + cost > budget) break;
    out[k] = v;
    used += cost;
  }
  if (i < keys.length) out['…'] = `${TRUNCATED_MARK}${keys.length - i} more column(s) left out]`;
  return out;
}

/** The first `units` UTF-16 units of `s`, never splitting a surrogate pair. */
function cutText(s: string, units: number): string {
  if (s.length <= units) return s;
  const code = s.charCodeAt(units - 1);
  return s.slice(0, code >= 0xd800 && code <= 0xdbff ? units - 1 : units);
}
