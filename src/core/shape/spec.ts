/**
 * The input shape an import reads, from its options: explicit options first,
 * then the mapping file's, then defaults. One place decides, so the CLI, the
 * queue and the HTTP API read a file the same way.
 */
import type { ParentRefType } from '../model.js';
import type { InputField } from '../normalise/vocabulary.js';
import type { TextEncoding } from '../read/decode.js';
import { IGNORE, type Mapping, mappedField } from './mapping.js';

/**
 * - `flat`: one department per record (CSV row, YAML/JSON object, NDJSON line), parents by reference
 *   or by nesting (`children:`).
 * - `path`: one column holds the department's path (`Company > Engineering > Backend`).
 * - `levels`: several columns from the top level down (`Division, Department, Team`).
 */
export type ShapeKind = 'flat' | 'path' | 'levels';

export const DEFAULT_PATH_SEPARATOR = ' > ';

export interface ShapeSpec {
  kind: ShapeKind;
  pathColumn?: string;
  pathSeparator: string;
  levelColumns?: string[];
  /** Each row is one member (employee) of its department. */
  memberColumn?: string;
  /**
   * Rows may repeat a department (one row per employee, or per parent): rows are
   * grouped per department as they stream, identical ones merged, conflicting
   * ones reported. Always true for path and level shapes and with a member column.
   */
  aggregate: boolean;
  keepUnknownColumns: boolean;
  cleanNames: boolean;
  /** --strict: a misspelled or parent-like column that maps to nothing fails the file (UNKNOWN_COLUMN). */
  strict: boolean;
  parentRef: ParentRefType;
  /** The mapping's columns: the file's column → our field or `ignore`. */
  columns: ReadonlyMap<string, InputField | typeof IGNORE>;
  defaults: ReadonlyMap<InputField, unknown>;
  /** Whether unmapped columns are matched against the vocabulary (flat shapes only: see docs/formats.md). */
  vocabulary: boolean;
  childrenKey?: string;
}

/** The options shape/spec reads: a subset of ImportOptions (kept structural to avoid an import cycle). */
export interface ShapeOptions {
  parentRef?: ParentRefType;
  mapping?: Mapping;
  encoding?: TextEncoding;
  pathColumn?: string;
  pathSeparator?: string;
  levelColumns?: string[];
  memberColumn?: string;
  repeatedRows?: boolean;
  keepUnknownColumns?: boolean;
  cleanNames?: boolean;
  strict?: boolean;
}

/** Fields that path and level shapes derive from the path, so no column may give them. */
const PATH_DERIVED: readonly InputField[] = [
  'name',
  'id',
  'openDepartmentId',
  'parent',
  'parentCode',
  'parentOpenDepartmentId',
  'departmentIdType',
];

/**
 * Combinations that cannot work, as messages (for the options schema: a usage
 * error before any byte is read).
 */
export function shapeProblems(options: ShapeOptions): string[] {
  const m = options.mapping ?? {};
  const problems: string[] = [];
  const pathColumn = options.pathColumn ?? m.pathColumn;
  const levelColumns = options.levelColumns ?? m.levelColumns;
  const memberColumn = options.memberColumn ?? m.memberColumn;
  if (pathColumn !== undefined && levelColumns !== undefined) {
    problems.push('give either a path column (--path-column) or level columns (--level-columns), not both');
  }
  const structural = [pathColumn, ...(levelColumns ?? [])].filter((c): c is string => c !== undefined);
  if (memberColumn !== undefined && structural.includes(memberColumn)) {
    problems.push(`the member column "${memberColumn}" cannot also be a path or level column`);
  }
  for (const [column, value] of Object.entries(m.columns ?? {})) {
    const field = mappedField(value);
    if (structural.includes(column) || column === memberColumn) {
      problems.push(`mapping columns: "${column}" is already the path, level or member column`);
    } else if (structural.length > 0 && field !== undefined && field !== IGNORE && PATH_DERIVED.includes(field)) {
      problems.push(
        `mapping columns: "${column}" cannot be mapped to ${value} when departments come from a path or level columns (the path gives names, parents and identity)`,
      );
    }
  }
  return problems;
}

export function shapeSpec(options: ShapeOptions): ShapeSpec {
  const m = options.mapping ?? {};
  const pathColumn = options.pathColumn ?? m.pathColumn;
  const levelColumns = options.levelColumns ?? m.levelColumns;
  const memberColumn = options.memberColumn ?? m.memberColumn;
  const kind: ShapeKind = pathColumn !== undefined ? 'path' : levelColumns !== undefined ? 'levels' : 'flat';
  const columns = new Map<string, InputField | typeof IGNORE>();
  for (const [column, value] of Object.entries(m.columns ?? {})) {
    const field = mappedField(value);
    if (field !== undefined) columns.set(column, field);
  }
  const defaults = new Map<InputField, unknown>();
  for (const [key, value] of Object.entries(m.defaults ?? {})) {
    const field = mappedField(key);
    if (field !== undefined && field !== IGNORE) defaults.set(field, value);
  }
  const spec: ShapeSpec = {
    kind,
    pathSeparator: options.pathSeparator ?? m.pathSeparator ?? DEFAULT_PATH_SEPARATOR,
    aggregate: kind !== 'flat' || memberColumn !== undefined || (options.repeatedRows ?? m.repeatedRows ?? false),
    keepUnknownColumns: options.keepUnknownColumns ?? m.keepUnknownColumns ?? false,
    cleanNames: options.cleanNames ?? m.cleanNames ?? false,
    strict: options.strict ?? false,
    // `auto` is the flag's default, so a mapping's parentRef applies unless another type is given.
    parentRef: options.parentRef !== undefined && options.parentRef !== 'auto' ? options.parentRef : (m.parentRef ?? 'auto'),
    columns,
    defaults,
    vocabulary: kind === 'flat',
  };
  if (pathColumn !== undefined) spec.pathColumn = pathColumn;
  if (levelColumns !== undefined) spec.levelColumns = levelColumns;
  if (memberColumn !== undefined) spec.memberColumn = memberColumn;
  if (m.childrenKey !== undefined) spec.childrenKey = m.childrenKey;
  return spec;
}

/** The columns a spec names, which the file must have. */
export function namedColumns(spec: ShapeSpec): string[] {
  return [
    ...(spec.pathColumn === undefined ? [] : [spec.pathColumn]),
    ...(spec.levelColumns ?? []),
    ...(spec.memberColumn === undefined ? [] : [spec.memberColumn]),
    ...spec.columns.keys(),
  ];
}
