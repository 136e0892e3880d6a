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
  notADepartment,
  nullObject,
  rowLimitExceeded,
  tooDeep,
  unexpectedWrapperKey,
} from './document.js';
import { locateJsonError, scanLayout } from './json-scan.js';
import { countLineBreaks, lineAt } from './lines.js';

function syntaxError(text: string, error: SyntaxError): FileError {
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

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function describe(value: unknown): string {
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
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return copy(value);
}

function toRecord(department: Record<string, unknown>, row: number): SourceRecord {
  const values = nullObject();
  for (const key of Object.keys(department)) values[key] = topLevel(department[key]);
  return { row, values };
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

export function readJson(text: string, maxRows?: number): DocumentInput {
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
  } else {
    throw invalidDocument(`the document is ${describe(document)}; ${SHAPE_HINT}`, 1);
  }

  const lines = linesOf(text, layout.elements);
  const lineOf = (index: number): number => lines[index] ?? 1;
  if (maxRows !== undefined && departments.length > maxRows) throw rowLimitExceeded(maxRows, lineOf(maxRows));

  const columns = new Set<string>();
  departments.forEach((department, index) => {
    if (!isPlainObject(department)) throw notADepartment(index, lineOf(index), describe(department));
    addColumns(columns, Object.keys(department));
  });

  // Records are copied lazily: the parsed document is already in memory once.
  async function* records(): AsyncGenerator<SourceRecord, void, undefined> {
    for (let index = 0; index < departments.length; index++) {
      yield toRecord(departments[index] as Record<string, unknown>, lineOf(index));
    }
  }
  return { columns: [...columns], organization, records: records() };
}
