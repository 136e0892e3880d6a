/**
 * Aggregated shapes: a department's rows are grouped, and rows that describe it
 * identically are one variant. What a group is, how two rows compare, and the
 * conflict message when a department's rows disagree.
 */
import type { RowIssue } from '../errors.js';
import type { DepartmentRow, ParentRef } from '../model.js';
import type { NormalisedRow } from '../normalise/normaliseRow.js';

/** Row ranges shown per variant in a conflict message (all rows are kept, as ranges). */
const RANGES_SHOWN = 50;

export interface Variant {
  head: NormalisedRow;
  /** Failed rows only: see Groups.addVariant. */
  signature?: string;
  count: number;
  /** Every row of the variant, as runs of consecutive rows: [first, last, first, last, ...]. */
  runs: number[];
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
  members?: Set<string>;
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

export function addRow(runs: number[], row: number): void {
  if (runs.length > 0 && runs[runs.length - 1] === row - 1) runs[runs.length - 1] = row;
  else runs.push(row, row);
}

/** `rows 2, 5-9, 12`: every row, unless there are very many ranges. */
function rowList(v: Variant): string {
  const ranges: string[] = [];
  let shownRows = 0;
  for (let i = 0; i < v.runs.length && ranges.length < RANGES_SHOWN; i += 2) {
    const [first, last] = [v.runs[i]!, v.runs[i + 1]!];
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
