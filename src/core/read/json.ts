/**
 * JSON reader. JSON.parse does the parsing (big exports come as JSON);
 * json-scan.ts adds the line numbers JSON.parse cannot give.
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
import { jsonPathKey, locateJsonError, scanArrayObjects, scanLayout } from './json-scan.js';
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
 * Depth was already checked by scanLayout.
 */
function copy(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copy);
  if (!isPlainObject(value)) return value;
  const out = nullObject();
  for (const key of Object.keys(value)) out[key] = copy(value[key]);
  return out;
}

/** Top-level values: identifiers stay strings (`"code": 123` → "123"). */
function topLevel(value: unknown): unknown {
  // JSON.parse has already rounded an integer beyond 2^53: never store the wrong digits as an id.
  if (typeof value === 'number' && Number.isInteger(value) && !Number.isSafeInteger(value)) return new UnsafeNumber(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return copy(value);
}

function readOrganization(value: unknown): OrganizationRef | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string' || typeof value === 'number') return { code: String(value) };
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
      organization[key] = String(field);
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
}

export interface JsonDepartmentOptions {
  isChildrenKey: (key: string) => boolean;
  maxRows?: number;
}

/**
 * Walks a department object and its nested children (pre-order), checking the
 * structure and appending one node per department to `nodes`. `lineOf` gives
 * the line of a nested department from its path in the document.
 */
export function collectJsonDepartments(
  department: unknown,
  row: number,
  path: readonly (string | number)[],
  nodes: JsonNode[],
  options: JsonDepartmentOptions,
  lineOf: (path: readonly (string | number)[]) => number | undefined,
  onTooMany: (row: number) => never,
  nestedIn?: number,
): void {
  if (options.maxRows !== undefined && nodes.length >= options.maxRows) onTooMany(row);
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
  nodes.push(node);
  if (childrenKey === undefined) return;
  const children = d[childrenKey];
  if (children === null || children === undefined) return;
  if (!Array.isArray(children)) throw notAChildList(childrenKey, row);
  const key = childrenKey;
  children.forEach((child, i) => {
    const childPath = [...path, key, i];
    // Only objects are located: anything else is reported on the line of the department holding it.
    const line = lineOf(childPath) ?? row;
    if (!isPlainObject(child)) throw notAChild(key, i, line, describe(child));
    collectJsonDepartments(child, line, childPath, nodes, options, lineOf, onTooMany, index);
  });
}

/** The record of a node: its own fields (identifiers as text), without its children. */
export function jsonNodeRecord(node: JsonNode): SourceRecord {
  const values = nullObject();
  for (const key of Object.keys(node.department)) {
    if (key !== node.childrenKey) values[key] = topLevel(node.department[key]);
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
    organization = readOrganization(document.organization);
    listPath = ['departments'];
  } else {
    throw invalidDocument(`the document is ${describe(document)}; ${SHAPE_HINT}`, 1);
  }

  const lines = linesOf(text, layout.elements);
  const lineOf = (index: number): number => lines[index] ?? 1;
  if (maxRows !== undefined && departments.length > maxRows) throw rowLimitExceeded(maxRows, lineOf(maxRows));

  // Nested departments' lines: scanned only if the document has any.
  let nested: { offsets: Map<string, number>; line: (offset: number) => number } | undefined;
  const lineOfPath = (path: readonly (string | number)[]): number | undefined => {
    nested ??= { offsets: scanArrayObjects(text), line: lineLocator(text) };
    const offset = nested.offsets.get(jsonPathKey(path));
    return offset === undefined ? undefined : nested.line(offset);
  };
  const tooMany = (row: number): never => {
    throw rowLimitExceeded(maxRows!, row);
  };

  const nodes: JsonNode[] = [];
  const options = { isChildrenKey, maxRows };
  departments.forEach((department, index) => {
    if (!isPlainObject(department)) throw notADepartment(index, lineOf(index), describe(department));
    collectJsonDepartments(department, lineOf(index), [...listPath, index], nodes, options, lineOfPath, tooMany);
  });
  const columns = new Set<string>();
  for (const node of nodes) addColumns(columns, jsonNodeKeys(node));

  // Records are copied lazily: the parsed document is already in memory once.
  async function* records(): AsyncGenerator<SourceRecord, void, undefined> {
    for (const node of nodes) yield jsonNodeRecord(node);
  }
  return { columns: [...columns], organization, records: records() };
}
