/**
 * Aggregated shapes: a department's rows are grouped, and rows that describe it
 * identically are one variant. What a group is, how two rows compare, and the
 * conflict message when a department's rows disagree.
 */
import type { RowIssue } from '../errors.js';
import type { DepartmentRow, ParentRef } from '../model.js';
import type { NormalisedRow } from '../normalise/normaliseRow.js';

/** Row ranges shown per variant in a conflict message: only these are kept (count keeps the rest). */
const RANGES_SHOWN = 50;

export interface Variant {
  head: NormalisedRow;
  /** Failed rows only: see Groups.addVariant. */
  signature?: string;
  count: number;
  /**
   * The variant's first rows, up to the RANGES_SHOWN runs of consecutive rows
   * a conflict message shows (count has every row): a run is its first row,
   * followed by ~last (negative) if it has more than one. An HRIS export's
   * rows of a department are scattered, a run per row: one number each, not
   * two (~20 MB less held, and as much less garbage, at 1,000,000 rows).
   */
  runs: number[];
  /** How many runs `runs` holds. */
  runCount: number;
}

export interface Group {
  /** How a person recognises the department: its code, key, name or path. */
  label: string;
  /** Path shapes: the department's record as the path implies it (name, key, parent). */
  implied?: NormalisedRow;
  /** Path shapes: problems of the path element itself (e.g. NAME_TOO_LONG), found once. */
  issues: RowIssue[];
  variants: Variant[];
  failed: Variant[];
  /** Member ids in row order; an id given twice is here twice (see addMember). */
  members?: string[];
}

export function signature(row: DepartmentRow): string {
  const { fields, parent, id, organization } = row;
  const sortedFields = Object.keys(fields)
    .sort()
    .map((k) => [k, fields[k as keyof typeof fields]]);
  return JSON.stringify([id ?? null, organization ?? null, parent, sortedFields]);
}

/** A field's value as signature() writes it: JSON, where undefined is null. */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b || ((a === undefined || a === null) && (b === undefined || b === null))) return true;
  return typeof a === 'object' && typeof b === 'object' && JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Whether two rows describe a department identically: signature(a) ===
 * signature(b), without building the two strings. It runs for every row of an
 * aggregated export (one per employee), and the strings were most of the
 * garbage that made V8 grow the heap on a 1,000,000-row file.
 */
export function sameRow(a: DepartmentRow, b: DepartmentRow): boolean {
  if ((a.id ?? null) !== (b.id ?? null) || (a.organization ?? null) !== (b.organization ?? null)) return false;
  // Path shapes give every row of a department the very same parent object.
  if (a.parent !== b.parent && JSON.stringify(a.parent) !== JSON.stringify(b.parent)) return false;
  const fa = a.fields as Record<string, unknown>;
  const fb = b.fields as Record<string, unknown>;
  let keys = 0;
  for (const k in fa) {
    if (!Object.hasOwn(fb, k) || !sameJson(fa[k], fb[k])) return false;
    keys++;
  }
  for (const _ in fb) keys--;
  return keys === 0;
}

export function rowLabel(row: DepartmentRow): string {
  const f = row.fields;
  return f.code ?? f.openDepartmentId ?? row.id ?? f.name ?? `row ${row.row}`;
}

/** A variant's runs of one row (see Variant.runs). */
export function firstRun(row: number): Pick<Variant, 'runs' | 'runCount'> {
  return { runs: [row], runCount: 1 };
}

/** Counts `row` into the variant's runs (rows come in increasing order). */
export function addRow(v: Variant, row: number): void {
  const runs = v.runs;
  const tail = runs[runs.length - 1]!;
  if (tail < 0 && ~tail === row - 1) runs[runs.length - 1] = ~row;
  else if (tail === row - 1) runs.push(~row);
  // Bounded: rowList shows these only; keeping every run was two numbers per row of an HRIS export.
  else if (v.runCount < RANGES_SHOWN) {
    runs.push(row);
    v.runCount++;
  }
}

/** `rows 2, 5-9, 12`: every row, unless there are very many ranges. */
function rowList(v: Variant): string {
  const ranges: string[] = [];
  let shownRows = 0;
  for (let i = 0; i < v.runs.length && ranges.length < RANGES_SHOWN; i++) {
    const first = v.runs[i]!;
    const next = v.runs[i + 1];
    const last = next !== undefined && next < 0 ? ~next : first;
    if (last !== first) i++;
    ranges.push(first === last ? String(first) : `${first}-${last}`);
    shownRows += last - first + 1;
  }
  const more = v.count - shownRows;
  return `${v.count === 1 ? 'row' : 'rows'} ${ranges.join(', ')}${more > 0 ? ` and ${more} more (${v.count} rows in all)` : ''}`;
}

function shortJson(value: unknown): string {
  const text = value === undefined ? '(not given)' : JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function describeParent(parent: ParentRef): string {
  if (parent.kind === 'ref') return `"${parent.value}"`;
  return parent.kind === 'absent' ? 'no parent column' : 'top level';
}

/** The conflict issues of a department whose rows disagree, one message for all of its variants. */
export function conflictIssue(group: Group): { code: 'MULTIPLE_PARENTS' | 'CONFLICTING_VALUES'; field: string; message: string } {
  const variants = group.variants;
  const parents = new Set(variants.map((v) => JSON.stringify(v.head.row.parent)));
  if (parents.size > 1) {
    const list = variants.map((v) => `${describeParent(v.head.row.parent)} on ${rowList(v)}`).join('; ');
    return {
      code: 'MULTIPLE_PARENTS',
      field: 'parent',
      message: `rows for department "${group.label}" name ${parents.size} different parents: ${list}; a department has one parent`,
    };
  }
  const keys = new Set(variants.flatMap((v) => Object.keys(v.head.row.fields)));
  const differing = [...keys].filter((k) => {
    const values = new Set(variants.map((v) => JSON.stringify((v.head.row.fields as Record<string, unknown>)[k] ?? null)));
    return values.size > 1;
  });
  if (variants.some((v) => v.head.row.id !== variants[0]!.head.row.id)) differing.push('id');
  const field = differing[0] ?? 'row';
  const list = variants
    .map((v) => `${rowList(v)}: ${differing.map((k) => `${k} ${shortJson(k === 'id' ? v.head.row.id : (v.head.row.fields as Record<string, unknown>)[k])}`).join(', ')}`)
    .join('; ');
  return {
    code: 'CONFLICTING_VALUES',
    field,
    message: `rows for department "${group.label}" give different values for ${differing.join(', ')}: ${list}`,
  };
}
