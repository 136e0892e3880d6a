/**
 * What the YAML and JSON readers share: the two accepted document shapes, the
 * limits, and building records out of untrusted keys.
 */
import { FileError } from '../errors.js';
import type { SourceRecord } from '../model.js';

/** Deepest nesting of lists/mappings accepted, counted from the document root. */
export const MAX_DEPTH = 64;
/** Most YAML alias nodes expanded in one document (a "billion laughs" guard). */
export const MAX_ALIASES = 100;

export interface OrganizationRef {
  code?: string;
  name?: string;
}

export interface DocumentInput {
  columns: string[];
  organization?: OrganizationRef;
  records: AsyncIterable<SourceRecord>;
}

/**
 * An object without a prototype: keys such as `__proto__`, `constructor` or
 * `prototype` are ordinary data and assignment can never reach Object.prototype.
 */
export function nullObject(): Record<string, unknown> {
  return Object.create(null) as Record<string, unknown>;
}

export const SHAPE_HINT =
  'expected a list of departments, or a mapping with a "departments" list and an optional "organization"';

export function invalidDocument(message: string, line?: number, details?: Record<string, unknown>): FileError {
  return new FileError('INVALID_DOCUMENT', message, line, details);
}

export function tooDeep(line?: number): FileError {
  return invalidDocument(`the document is nested more than ${MAX_DEPTH} levels deep`, line, { maxDepth: MAX_DEPTH });
}

export function notADepartment(index: number, line: number, what: string): FileError {
  return invalidDocument(
    `item ${index + 1} of the department list is ${what}, not a department (a set of "field: value" pairs)`,
    line,
    { item: index + 1 },
  );
}

export function unexpectedWrapperKey(key: string, line?: number): FileError {
  return invalidDocument(`unexpected top-level key "${key}"; ${SHAPE_HINT}`, line, { key });
}

export function rowLimitExceeded(maxRows: number, line: number): FileError {
  return new FileError('ROW_LIMIT_EXCEEDED', `the file has more than ${maxRows} departments, the most allowed (--max-rows)`, line, {
    maxRows,
  });
}

/** Adds the keys of one record to the running union of columns, keeping first-seen order. */
export function addColumns(columns: Set<string>, keys: Iterable<string>): void {
  for (const key of keys) columns.add(key);
}

/** Key names (compared like column names: case, `_`, `-`, `.` and spaces ignored) that hold nested departments. */
const CHILDREN_KEYS = new Set(['children', 'subdepartments', 'childdepartments']);

/** Whether a department's key holds its nested child departments (`children:` in YAML/JSON org charts). */
export function isDefaultChildrenKey(key: string): boolean {
  return CHILDREN_KEYS.has(key.trim().toLowerCase().replace(/[\s_\-.]+/g, ''));
}

export function notAChildList(key: string, line: number | undefined): FileError {
  return invalidDocument(`"${key}" must be a list of departments (nested under the department that starts on this line)`, line, { key });
}

export function notAChild(key: string, index: number, line: number, what: string): FileError {
  return invalidDocument(`item ${index + 1} of "${key}" is ${what}, not a department (a set of "field: value" pairs)`, line, {
    key,
    item: index + 1,
  });
}

/** An async iterable that can be consumed once, over already built records. */
export async function* iterate<T>(items: Iterable<T>): AsyncGenerator<T, void, undefined> {
  yield* items;
}

/**
 * A JSON number too large to have kept its digits (beyond 2^53): the normaliser
 * fails the row (INVALID_FIELD) instead of storing a rounded id.
 */
export class UnsafeNumber {
  constructor(readonly value: number) {}
  toJSON(): string {
    return String(this.value);
  }
}
