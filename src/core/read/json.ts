/**
 * JSON reader. JSON.parse does the parsing (big exports come as JSON);
 * jsonScan.ts adds the line numbers JSON.parse cannot give.
 */
import { FileError } from '../errors.js';
import type { SourceRecord } from '../model.js';
import {
  type DocumentInput,
  type OrganizationRef,
  MAX_DEPTH,
  SHAPE_HINT,
  addColumns,
  invalidDocument,
  isDefaultChildrenKey,
  notAChild,
  notAChildList,
  notADepartment,
  nullObject,
  rowLimitExceeded,
  tooDeep,
  UnsafeNumber,
  unexpectedWrapperKey,
} from './document.js';
import { refuseDuplicateKeys } from './jsonKeys.js';
import { LONE_SURROGATE_MESSAGE, hasLoneSurrogate } from '../normalise/characters.js';
import { isExactNumber, needsNumberLiterals, numberLiterals } from './jsonNumbers.js';
import { jsonPathKey, locateJsonError, scanArrayObjects, scanLayout } from './jsonScan.js';
import { countLineBreaks, lineAt, lineLocator } from './lines.js';

export function syntaxError(text: string, error: SyntaxError): FileError {
  let offset: number;
  let problem: string;
  const position = /at position (\d+)/.exec(error.message);
  if (position) {
    offset = Number(position[1]);
    problem = error.message.replace(/\s*in JSON at position \d+.*$/s, '');
  } else {
    // "Unexpected token 'x', "…" is not valid JSON" / "Unexpected end of JSON input": find the spot ourselves.
    const located = locateJsonError(text);
    offset = located?.offset ?? text.length;
    problem = located?.problem ?? error.message.replace(/, ".*" is not valid JSON$/s, '');
  }
  const line = lineAt(text, offset);
  const lineStart = Math.max(text.lastIndexOf('\n', offset - 1), text.lastIndexOf('\r', offset - 1)) + 1;
  const column = offset - lineStart + 1;
  return new FileError('JSON_SYNTAX_ERROR', `the JSON is malformed: ${problem} (column ${column})`, line, { offset, column });
}

export const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'string' ? 'a text' : `a ${typeof value}`;
}

/**
 * Deep copy into null-prototype objects. JSON.parse stores a `"__proto__"`
 * key as an own property; assigning it on a null-prototype object keeps it an
 * own property too (there is no inherited `__proto__` setter to trigger).
 * Depth was already checked by scanLayout. Nested numbers stay numbers, except
 * those JSON.parse could not keep exactly (1e400, integers beyond 2^53): they
 * are kept as written, as the YAML reader does.
 */
function copy(value: unknown, path: (string | number)[], numbers: Map<string, string> | undefined): unknown {
  if (typeof value === 'number') {
    if (isExactNumber(value)) return value;
    return numbers?.get(jsonPathKey(path)) ?? new UnsafeNumber(value);
  }
  if (Array.isArray(value)) return value.map((item, i) => copy(item, numbers ? [...path, i] : path, numbers));
  if (!isPlainObject(value)) return value;
  const out = nullObject();
  for (const key of Object.keys(value)) out[key] = copy(value[key], numbers ? [...path, key] : path, numbers);
  return out;
}

/**
 * Top-level values: identifiers stay strings, as written (`"code": 123` →
 * "123", `"code": 1.10` → "1.10", never what JSON.parse made of the number).
 */
function topLevel(value: unknown, key: string, numbers: Map<string, string> | undefined): unknown {
  if (typeof value === 'number') {
    const literal = numbers?.get(key);
    if (literal !== undefined) return literal;
    // (Found without the department's literals: only if its number is exact, as String gives it back.)
    return isExactNumber(value) ? String(value) : new UnsafeNumber(value);
  }
  if (typeof value === 'boolean') return String(value);
  return copy(value, [key], numbers);
}

/** An organization code or name: numbers as written, text that can be stored. */
function organizationText(value: string | number, what: string, literal: (path: string[]) => string | undefined, path: string[]): string {
  const text = typeof value === 'number' ? (literal(path) ?? String(value)) : value;
  if (hasLoneSurrogate(text)) throw invalidDocument(`"${what}" ${LONE_SURROGATE_MESSAGE}`);
  return text;
}

function readOrganization(value: unknown, literal: (path: string[]) => string | undefined): OrganizationRef | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string' || typeof value === 'number') return { code: organizationText(value, 'organization', literal, ['organization']) };
  if (isPlainObject(value)) {
    const organization: OrganizationRef = {};
    for (const key of Object.keys(value)) {
      if (key !== 'code' && key !== 'name') {
        throw invalidDocument(`"organization" may only have "code" and "name", not "${key}"`);
      }
    }
    for (const key of ['code', 'name'] as const) {
      const field = value[key];
      if (field === null || field === undefined) continue;
      if (typeof field !== 'string' && typeof field !== 'number') {
        throw invalidDocument(`"organization.${key}" must be a text, not ${describe(field)}`);
      }
      organization[key] = organizationText(field, `organization.${key}`, literal, ['organization', key]);
    }
    return organization;
  }
  throw invalidDocument(`"organization" must be a code or an object with "code" and "name", not ${describe(value)}`);
}

/** Line numbers for the element offsets, in one pass over the text. */
function linesOf(text: string, offsets: readonly number[]): number[] {
  const lines: number[] = [];
  let line = 1;
  let from = 0;
  for (const offset of offsets) {
    line += countLineBreaks(text, from, offset);
    from = offset;
    lines.push(line);
  }
  return lines;
}

/** One department object of the document, found by the pre-pass; copied into a record only when iterated. */
interface JsonNode {
  department: Record<string, unknown>;
  row: number;
  nestedIn?: number;
  /** The key holding this department's children, if it has one (left out of the record). */
  childrenKey?: string;
  /** Number literals JSON.parse changed, by path (see jsonNumbers.ts). */
  numbers?: Map<string, string>;
}

export interface JsonDepartmentOptions {
  isChildrenKey: (key: string) => boolean;
  maxRows?: number;
  /** The line of a nested department, from its path in the document. */
  lineOf: (path: readonly (string | number)[]) => number | undefined;
  /** The offset of the `{` of the department at this path in the document. */
  offsetOf: (path: readonly (string | number)[]) => number | undefined;
  /** The text `offsetOf` points into. */
  text: string;
  onTooMany: (row: number) => never;
}

/**
 * Walks a department object and its nested children (pre-order), checking the
 * structure and appending one node per department to `nodes`. Recursion is
 * bounded: scanLayout refused the document beyond MAX_DEPTH levels.
 */
export function collectJsonDepartments(
  department: unknown,
  row: number,
  path: readonly (string | number)[],
  nodes: JsonNode[],
  options: JsonDepartmentOptions,
  nestedIn?: number,
): void {
  if (options.maxRows !== undefined && nodes.length >= options.maxRows) options.onTooMany(row);
  const d = department as Record<string, unknown>;
  let childrenKey: string | undefined;
  for (const key of Object.keys(d)) {
    if (!options.isChildrenKey(key)) continue;
    if (childrenKey !== undefined) {
      throw invalidDocument(`the department has both "${childrenKey}" and "${key}"; nest its children under one of them`, row);
    }
    childrenKey = key;
  }
  const index = nodes.length;
  const node: JsonNode = { department: d, row };
  if (nestedIn !== undefined) node.nestedIn = nestedIn;
  if (childrenKey !== undefined) node.childrenKey = childrenKey;
  if (needsNumberLiterals(d, childrenKey)) {
    const offset = options.offsetOf(path);
    const numbers = offset === undefined ? undefined : numberLiterals(options.text, offset, childrenKey);
    if (numbers) node.numbers = numbers;
  }
  nodes.push(node);
  if (childrenKey === undefined) return;
  const children = d[childrenKey];
  if (children === null || children === undefined) return;
  if (!Array.isArray(children)) throw notAChildList(childrenKey, row);
  const key = childrenKey;
  children.forEach((child, i) => {
    const childPath = [...path, key, i];
    // Only objects are located: anything else is reported on the line of the department holding it.
    const line = options.lineOf(childPath) ?? row;
    if (!isPlainObject(child)) throw notAChild(key, i, line, describe(child));
    collectJsonDepartments(child, line, childPath, nodes, options, index);
  });
}

/** The record of a node: its own fields (identifiers as text), without its children. */
export function jsonNodeRecord(node: JsonNode): SourceRecord {
  const values = nullObject();
  for (const key of Object.keys(node.department)) {
    if (key !== node.childrenKey) values[key] = topLevel(node.department[key], key, node.numbers);
  }
  return node.nestedIn === undefined ? { row: node.row, values } : { row: node.row, values, nestedIn: node.nestedIn };
}

/** Keys of a node's record, for the union of columns. */
export function jsonNodeKeys(node: JsonNode): string[] {
  return Object.keys(node.department).filter((k) => k !== node.childrenKey);
}

export function readJson(text: string, maxRows?: number, isChildrenKey: (key: string) => boolean = isDefaultChildrenKey): DocumentInput {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    if (error instanceof SyntaxError) throw syntaxError(text, error);
    throw error;
  }
  const layout = scanLayout(text, MAX_DEPTH);
  if (layout.tooDeepAt !== -1) throw tooDeep(lineAt(text, layout.tooDeepAt));
  refuseDuplicateKeys(text, layout.members, document);

  let departments: unknown[];
  let organization: OrganizationRef | undefined;
  let listPath: (string | number)[] = [];
  if (Array.isArray(document)) {
    departments = document;
  } else if (isPlainObject(document)) {
    for (const key of Object.keys(document)) {
      if (key !== 'departments' && key !== 'organization') throw unexpectedWrapperKey(key);
    }
    const list = document.departments;
    if (list === undefined) throw invalidDocument(`the document has no "departments" list; ${SHAPE_HINT}`, 1);
    if (list !== null && !Array.isArray(list)) throw invalidDocument(`"departments" must be a list, not ${describe(list)}`);
    departments = list ?? [];
    // The root object's number literals, only if the organization is given as a number.
    const literal = (path: string[]): string | undefined => numberLiterals(text, text.indexOf('{'))?.get(jsonPathKey(path));
    organization = readOrganization(document.organization, literal);
    listPath = ['departments'];
  } else {
    throw invalidDocument(`the document is ${describe(document)}; ${SHAPE_HINT}`, 1);
  }

  const lines = linesOf(text, layout.elements);
  const lineOf = (index: number): number => lines[index] ?? 1;
  if (maxRows !== undefined && departments.length > maxRows) throw rowLimitExceeded(maxRows, lineOf(maxRows));

  // Nested departments' offsets: scanned only if the document has any.
  let nested: { offsets: Map<string, number>; line: (offset: number) => number } | undefined;
  const nestedOffsets = (): NonNullable<typeof nested> => (nested ??= { offsets: scanArrayObjects(text), line: lineLocator(text) });
  const options: JsonDepartmentOptions = {
    isChildrenKey,
    maxRows,
    text,
    lineOf: (path) => {
      const offset = nestedOffsets().offsets.get(jsonPathKey(path));
      return offset === undefined ? undefined : nestedOffsets().line(offset);
    },
    // Departments of the list were located by scanLayout; nested ones need the full scan.
    offsetOf: (path) =>
      path.length === listPath.length + 1 ? layout.elements[path.at(-1) as number] : nestedOffsets().offsets.get(jsonPathKey(path)),
    onTooMany: (row) => {
      throw rowLimitExceeded(maxRows!, row);
    },
  };

  const nodes: JsonNode[] = [];
  departments.forEach((department, index) => {
    if (!isPlainObject(department)) throw notADepartment(index, lineOf(index), describe(department));
    collectJsonDepartments(department, lineOf(index), [...listPath, index], nodes, options);
  });
  const columns = new Set<string>();
  for (const node of nodes) addColumns(columns, jsonNodeKeys(node));

  // Records are copied lazily: the parsed document is already in memory once.
  async function* records(): AsyncGenerator<SourceRecord, void, undefined> {
    for (const node of nodes) yield jsonNodeRecord(node);
  }
  return { columns: [...columns], organization, records: records() };
}
