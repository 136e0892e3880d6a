/**
 * Conversions between the values the drivers return and the model's types.
 * The two dialects (and MySQL vs MariaDB) disagree on JSON, booleans and dates;
 * repositories map every row through these so callers never see the difference.
 */
import type { JsonValue } from '../../core/model.js';

/**
 * A UTC `YYYY-MM-DD HH:MM:SS.mmm` string. It is a valid DATETIME(3) literal on
 * MySQL/MariaDB (independent of the session time zone, because it carries none)
 * and on SQLite it is stored as text that sorts chronologically. We never bind
 * JS Dates: knex's better-sqlite3 client would turn them into epoch numbers.
 */
export function toDbDateTime(date: Date): string {
  return date.toISOString().slice(0, 23).replace('T', ' ');
}

const DB_DATETIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?$/;

/** Stored datetime → ISO 8601 string (`2024-01-31T12:00:00.000Z`). */
export function fromDbDateTime(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'number') return new Date(value).toISOString();
  if (typeof value === 'string') {
    const iso = DB_DATETIME.test(value) ? `${value.replace(' ', 'T')}Z` : value;
    const date = new Date(iso);
    if (!Number.isNaN(date.getTime())) return date.toISOString();
  }
  throw new TypeError(`Unexpected datetime value from the database: ${String(value)}`);
}

export function fromDbDateTimeOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : fromDbDateTime(value);
}

/**
 * JSON columns: MySQL 8 returns them parsed; MariaDB (JSON = LONGTEXT) and
 * SQLite (TEXT) return the text.
 */
export function fromDbJson(value: unknown): JsonValue | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return JSON.parse(value) as JsonValue;
  if (Buffer.isBuffer(value)) return JSON.parse(value.toString('utf8')) as JsonValue;
  return value as JsonValue;
}

/** Serialises for a JSON column. BigInts (possible in raw input records) become strings instead of throwing. */
export function toDbJson(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  const json = JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  // JSON.stringify escapes only unpaired surrogates as \udXXX (a pair is written as is). MariaDB's
  // JSON check refuses them (a failed row's raw record from a file with "X\ud800" made the whole
  // import INTERNAL_ERROR): stored as U+FFFD, keys included. Normalised fields never hold one.
  return json.includes('\\ud') ? json.replace(/(?<!\\)((?:\\\\)*)\\ud[89a-f][0-9a-f]{2}/g, '$1\\ufffd') : json;
}

/** Booleans come back as 0/1 (TINYINT(1) on MySQL, INTEGER on SQLite). */
export function fromDbBoolean(value: unknown): boolean {
  return value === true || value === 1 || value === 1n || value === '1';
}

/** COUNT(*) and BIGINT values may arrive as number, bigint or (beyond 2^53) string. */
export function fromDbInteger(value: unknown): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new TypeError(`Unexpected integer value from the database: ${String(value)}`);
  return n;
}
