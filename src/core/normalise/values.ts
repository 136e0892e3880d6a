/**
 * Parsers for single field values. Input cells are strings (CSV, YAML plain
 * scalars) or JSON values (YAML/JSON nested data); each parser returns the typed
 * value or a message a person can act on. `null` means "explicitly empty".
 */
import type { JsonObject, JsonValue } from '../model.js';
import { UnsafeNumber } from '../read/document.js';
import { INVISIBLE_REMOVED, LONE_SURROGATE_MESSAGE, checkInvisible, containsLoneSurrogate, hasLoneSurrogate } from './characters.js';

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
/** "Explicitly empty", one object for all: most fields of most rows are empty or absent (read only, never changed). */
const OK_NULL: Parsed<null> = Object.freeze({ ok: true, value: null });
const fail = (message: string): Parsed<never> => ({ ok: false, message });

/** Null-ish input: missing, null, or a string of only whitespace. */
export function isBlank(v: unknown): boolean {
  return v === undefined || v === null || (typeof v === 'string' && v.trim() === '');
}

/** Control characters other than the whitespace that name cleaning collapses. */
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS_ALL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;
const WHITESPACE_RUN = /[\s\u00A0\u2000-\u200A\u202F\u205F\u3000]+/g;
/** A whitespace run WHITESPACE_RUN would change: any whitespace but ' ', or two together. */
const NEEDS_COLLAPSE = /[^\S ]| {2}/;

/**
 * Department names compare after trimming, collapsing whitespace runs (spreadsheets
 * leave non-breaking spaces) and Unicode NFC, so `Cafe\u0301` and `Café` are one name.
 * Control characters and invisible formatting characters (see characters.ts)
 * fail the name, or are removed with --clean-names (`cleaned` says so).
 */
export function normaliseName(v: unknown, options: { clean?: boolean } = {}): Parsed<string | null> & { cleaned?: string } {
  if (isBlank(v)) return OK_NULL;
  if (typeof v !== 'string' && typeof v !== 'number') return fail('must be text');
  let s = String(v);
  if (hasLoneSurrogate(s)) return fail(LONE_SURROGATE_MESSAGE);
  let cleaned = false;
  if (CONTROL_CHARS.test(s)) {
    if (!options.clean) return fail('contains a control character (--clean-names removes them)');
    s = s.replace(CONTROL_CHARS_ALL, '');
    cleaned = true;
  }
  const invisible = checkInvisible(s, options.clean);
  if (!invisible.ok) return fail(invisible.message);
  // Collapsed only when some run needs it (a whitespace other than ' ', or two in a row): a
  // replace always makes a new string. A name that is already normal is the cell's own string,
  // not an equal copy: at 1,000,000 rows a copy per name was ~32 MB held through the import.
  const spaced = NEEDS_COLLAPSE.test(invisible.value) ? invisible.value.replace(WHITESPACE_RUN, ' ') : invisible.value;
  const normal = spaced.trim().normalize('NFC');
  const name = normal === s ? s : normal;
  if (!cleaned && !invisible.cleaned) return ok(name);
  const removed = cleaned && invisible.cleaned ? `control and ${INVISIBLE_REMOVED}` : cleaned ? 'control characters' : INVISIBLE_REMOVED;
  return { ok: true, value: name, cleaned: removed };
}

/** Length in characters (code points), not UTF-16 units or bytes. */
export function charLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

const UNSAFE_NUMBER = 'is a number too large to keep exactly: write it as a string (in quotes)';

export function parseText(v: unknown, maxChars: number): Parsed<string | null> {
  if (isBlank(v)) return OK_NULL;
  if (v instanceof UnsafeNumber) return fail(UNSAFE_NUMBER);
  if (typeof v === 'number' || typeof v === 'boolean') v = String(v);
  if (typeof v !== 'string') return fail('must be text');
  const s = v.trim();
  if (hasLoneSurrogate(s)) return fail(LONE_SURROGATE_MESSAGE);
  if (CONTROL_CHARS.test(s)) return fail('contains a control character');
  // A string has at least as many UTF-16 units as characters: count only a long one.
  if (s.length > maxChars && charLength(s) > maxChars) return fail(`is longer than ${maxChars} characters`);
  return ok(s);
}

/**
 * A key (code, openDepartmentId, id): text whose invisible formatting characters
 * fail it, or are removed with --clean-names, as in names.
 */
export function parseKeyText(v: unknown, maxChars: number, clean?: boolean): Parsed<string | null> & { cleaned?: string } {
  const text = parseText(v, maxChars);
  if (!text.ok || text.value === null) return text;
  const invisible = checkInvisible(text.value, clean);
  if (!invisible.ok) return fail(invisible.message);
  if (!invisible.cleaned) return text;
  const value = invisible.value.trim();
  return value === '' ? fail('has nothing left once its invisible characters are removed') : { ok: true, value, cleaned: INVISIBLE_REMOVED };
}

/** Free text (descriptions): newlines and tabs are fine, other control characters are not. */
export function parseLongText(v: unknown, maxBytes: number): Parsed<string | null> {
  if (isBlank(v)) return OK_NULL;
  if (typeof v === 'number' || typeof v === 'boolean') v = String(v);
  if (typeof v !== 'string') return fail('must be text');
  const s = v.trim();
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/.test(s)) return fail('contains a control character');
  if (Buffer.byteLength(s, 'utf8') > maxBytes) return fail(`is longer than ${maxBytes} bytes`);
  return ok(s);
}

const TRUE_WORDS = new Set(['true', '1', 'yes', 'y', 'on', 'active', 'enabled']);
const FALSE_WORDS = new Set(['false', '0', 'no', 'n', 'off', 'inactive', 'disabled']);

export function parseBoolean(v: unknown): Parsed<boolean | null> {
  if (isBlank(v)) return OK_NULL;
  if (typeof v === 'boolean') return ok(v);
  if (typeof v === 'number' && (v === 0 || v === 1)) return ok(v === 1);
  if (typeof v === 'string') {
    const w = v.trim().toLowerCase();
    if (TRUE_WORDS.has(w)) return ok(true);
    if (FALSE_WORDS.has(w)) return ok(false);
  }
  return fail('must be true or false');
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Copies a JSON value into fresh objects so no input object (or its prototype) leaks into storage. */
function toJson(v: unknown, depth = 0): JsonValue {
  if (depth > 64) throw new Error('nested too deeply');
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error('contains a non-finite number');
    return v;
  }
  if (Array.isArray(v)) return v.map((x) => toJson(x, depth + 1));
  if (isPlainObject(v)) {
    const out: JsonObject = {};
    for (const key of Object.keys(v)) {
      Object.defineProperty(out, key, { value: toJson(v[key], depth + 1), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  throw new Error('is not JSON data');
}

/** An object given as data (YAML/JSON) or as JSON text in a CSV cell. */
export function parseJsonObject(v: unknown): Parsed<JsonObject | null> {
  if (isBlank(v)) return OK_NULL;
  let value: unknown = v;
  if (typeof v === 'string') {
    try {
      value = JSON.parse(v);
    } catch {
      return fail('must be a JSON object, e.g. {"key": "value"}');
    }
  }
  if (!isPlainObject(value)) return fail('must be a JSON object, e.g. {"key": "value"}');
  // JSON text in a CSV cell can spell an unpaired surrogate as an escape.
  if (typeof v === 'string' && containsLoneSurrogate(value)) return fail(LONE_SURROGATE_MESSAGE);
  try {
    return ok(toJson(value) as JsonObject);
  } catch (err) {
    return fail((err as Error).message);
  }
}

/** A list of ids: an array, JSON array text, or text separated by `,`, `;` or `|`. */
export function parseIdList(v: unknown, maxItemChars: number): Parsed<string[] | null> {
  if (isBlank(v)) return OK_NULL;
  let items: unknown[];
  if (Array.isArray(v)) items = v;
  else if (typeof v === 'string') {
    const s = v.trim();
    if (s.startsWith('[')) {
      try {
        const parsed: unknown = JSON.parse(s);
        if (!Array.isArray(parsed)) return fail('must be a list of ids');
        if (containsLoneSurrogate(parsed)) return fail(LONE_SURROGATE_MESSAGE);
        items = parsed;
      } catch {
        return fail('must be a JSON array of ids, or ids separated by commas');
      }
    } else items = s.split(/[,;|]/);
  } else if (typeof v === 'number') items = [v];
  else return fail('must be a list of ids');
  const out: string[] = [];
  for (const item of items) {
    if (typeof item !== 'string' && typeof item !== 'number') return fail('must contain only text ids');
    const id = String(item).trim();
    if (id === '') continue;
    if (charLength(id) > maxItemChars) return fail(`has an id longer than ${maxItemChars} characters`);
    out.push(id);
  }
  return ok(out);
}

/** Deep equality for stored JSON values, ignoring object key order (MySQL reorders keys). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  }
  const ak = Object.keys(a);
  const bk = Object.keys(b);
  if (ak.length !== bk.length) return false;
  const bo = b as Record<string, unknown>;
  const ao = a as Record<string, unknown>;
  return ak.every((k) => Object.prototype.hasOwnProperty.call(bo, k) && jsonEqual(ao[k], bo[k]));
}
