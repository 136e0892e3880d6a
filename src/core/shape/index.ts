/**
 * The "shape" stage, between read and plan: records in the file's own shape
 * become department rows in the planner's. Pure (no I/O) and streaming.
 *
 * - flat: one department per record; nested children (`children:`) are linked
 *   to the record they are nested in.
 * - aggregated (a path column, level columns, a member column or
 *   --repeated-rows): rows may repeat a department. Rows are grouped per
 *   department while they stream; identical ones are merged, rows that give one
 *   department different data are reported with every conflicting row. Only one
 *   row per department (and variant) is kept, plus its row numbers as ranges of
 *   consecutive rows and the member ids, so memory grows with departments, not
 *   with rows (exports list a department's rows together; scattered row numbers
 *   cost two numbers each, never a row).
 * - path and level shapes: every prefix of a row's path is a department,
 *   identified by the path itself (see pathKey.ts); the row's mapped fields
 *   describe the last one.
 */
import { FileError, type RowIssue } from '../errors.js';
import type { DepartmentRow, InputFormat, JsonObject, JsonValue, ParentRef, SourceRecord } from '../model.js';
import { NAME_MAX_LENGTH } from '../model.js';
import { type CleanedName, type NormalisedRow, normaliseRecord } from '../normalize/normalizeRow.js';
import { charLength, isBlank, normaliseName, parseText } from '../normalize/values.js';
import { ColumnResolver } from './columns.js';
import { pathKey, pathLabel } from './pathKey.js';
import type { ShapeSpec } from './spec.js';

export { type ShapeSpec, shapeSpec, shapeProblems } from './spec.js';

/** A row that failed before planning: it is reported as failed and takes no part in the plan. */
export interface RejectedRow {
  row: number;
  key: string;
  raw: Record<string, unknown>;
  issues: RowIssue[];
}

export interface ShapedInput {
  /** Department rows for the planner; a `link` parent is an index into this list. */
  rows: NormalisedRow[];
  rejected: RejectedRow[];
  /** Records read from the file. */
  inputRows: number;
  /** Rows that repeated a department an earlier row already described (identically). */
  mergedRows: number;
  /** With a member column: the member ids of the department of `rows[i]`, by i. */
  members?: Map<number, ReadonlySet<string>>;
  /** The input's columns (NDJSON: all keys seen), for the fix-and-reimport report. */
  columns: string[];
  warnings: string[];
}

export interface ShapeInput {
  format: InputFormat;
  columns: string[];
  records: AsyncIterable<SourceRecord>;
}

/** Distinct path texts whose resolution pathRow remembers. */
const MAX_RESOLVED_PATHS = 100_000;
/** Row ranges shown per variant in a conflict message (all rows are kept, as ranges). */
const RANGES_SHOWN = 50;
const MEMBER_MAX_LENGTH = 191;

interface Variant {
  head: NormalisedRow;
  /** Failed rows only: see addVariant. */
  signature?: string;
  count: number;
  /** Every row of the variant, as runs of consecutive rows: [first, last, first, last, ...]. */
  runs: number[];
}

interface Group {
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

function signature(row: DepartmentRow): string {
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
function sameRow(a: DepartmentRow, b: DepartmentRow): boolean {
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

function rowLabel(row: DepartmentRow): string {
  const f = row.fields;
  return f.code ?? f.openDepartmentId ?? row.id ?? f.name ?? `row ${row.row}`;
}

function addRow(runs: number[], row: number): void {
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
function conflictIssue(group: Group): { code: 'MULTIPLE_PARENTS' | 'CONFLICTING_VALUES'; field: string; message: string } {
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

class Shaper {
  readonly resolver: ColumnResolver;
  readonly rows: NormalisedRow[] = [];
  readonly rejected: RejectedRow[] = [];
  inputRows = 0;
  mergedRows = 0;
  private readonly groups: Group[] = [];
  private readonly groupByKey = new Map<string, number>();
  /** --clean-names: each distinct name changed, with the first row and how often. */
  private readonly cleaned = new Map<string, { row: number; after: string; count: number }>();
  /** Path shapes: paths already resolved (see pathRow), by their cell text. */
  private readonly resolvedPaths = new Map<string, { label: string; leaf: number; cleaned: CleanedName[] }>();

  constructor(private readonly spec: ShapeSpec) {
    this.resolver = new ColumnResolver(spec);
  }

  private noteCleaned(row: number, c: CleanedName): void {
    const seen = this.cleaned.get(c.before);
    if (seen) seen.count++;
    else this.cleaned.set(c.before, { row, after: c.after, count: 1 });
  }

  private normalise(record: SourceRecord): NormalisedRow {
    const n = normaliseRecord(record, this.resolver.mapping, { parentRef: this.spec.parentRef, cleanNames: this.spec.cleanNames });
    if (n.cleaned) this.noteCleaned(record.row, n.cleaned);
    if (this.spec.keepUnknownColumns) this.keepUnknown(record, n);
    return n;
  }

  /** --keep-unknown-columns: unmapped columns' non-empty values go into customData (an explicit customData's keys win). */
  private keepUnknown(record: SourceRecord, n: NormalisedRow): void {
    const unknown = this.resolver.mapping.unknown;
    if (unknown.length === 0) return;
    const kept: JsonObject = {};
    const put = (key: string, value: JsonValue): void => {
      Object.defineProperty(kept, key, { value, enumerable: true, writable: true, configurable: true });
    };
    for (const column of unknown) {
      if (Object.hasOwn(record.values, column) && !isBlank(record.values[column])) put(column, record.values[column] as JsonValue);
    }
    const explicit = n.row.fields.customData;
    if (explicit) for (const key of Object.keys(explicit)) put(key, explicit[key]!);
    // Deterministic, so a re-run is unchanged: nothing to keep clears what an earlier run kept.
    n.row.fields.customData = Object.keys(kept).length > 0 ? kept : null;
  }

  private reject(n: { row: DepartmentRow; issues: RowIssue[] }, key = rowLabel(n.row)): void {
    this.rejected.push({ row: n.row.row, key, raw: n.row.raw, issues: n.issues.map((i) => ({ ...i, key })) });
  }

  /** Flat, one department per record. */
  flat(record: SourceRecord): void {
    const n = this.normalise(record);
    if (record.nestedIn !== undefined) {
      const declared = n.row.parent;
      n.row.parent =
        declared.kind === 'root' || declared.kind === 'ref'
          ? { kind: 'link', idx: record.nestedIn, declared }
          : { kind: 'link', idx: record.nestedIn };
    }
    this.rows.push(n);
  }

  private group(key: string, label: string): { group: Group; idx: number; created: boolean } {
    const found = this.groupByKey.get(key);
    if (found !== undefined) return { group: this.groups[found]!, idx: found, created: false };
    const group: Group = { label, issues: [], variants: [], failed: [] };
    this.groups.push(group);
    this.groupByKey.set(key, this.groups.length - 1);
    return { group, idx: this.groups.length - 1, created: true };
  }

  /** Adds a row's description of a department to its group: merged if identical to an earlier one. */
  private addVariant(group: Group, n: NormalisedRow): void {
    const failed = n.issues.length > 0;
    const list = failed ? group.failed : group.variants;
    // A failed row's fields lack the invalid values: its messages tell failed rows apart.
    const sig = failed ? `${signature(n.row)}${JSON.stringify(n.issues.map((i) => i.message))}` : undefined;
    let same: Variant | undefined;
    for (const v of list) {
      if (failed ? v.signature === sig : sameRow(v.head.row, n.row)) {
        same = v;
        break;
      }
    }
    if (same) {
      same.count++;
      addRow(same.runs, n.row.row);
      this.mergedRows++;
      return;
    }
    list.push({ head: n, ...(sig === undefined ? {} : { signature: sig }), count: 1, runs: [n.row.row, n.row.row] });
  }

  /** Reads the member id of a row; a bad one rejects the row. */
  private memberOf(record: SourceRecord): { ok: true; id: string | null } | { ok: false; issue: RowIssue } {
    const column = this.spec.memberColumn;
    if (column === undefined) return { ok: true, id: null };
    const parsed = parseText(record.values[column], MEMBER_MAX_LENGTH);
    if (!parsed.ok) {
      return { ok: false, issue: { row: record.row, code: 'INVALID_FIELD', field: 'member', message: `the member id in "${column}" ${parsed.message}` } };
    }
    return { ok: true, id: parsed.value };
  }

  private addMember(group: Group, id: string | null): void {
    if (id === null) return;
    (group.members ??= new Set()).add(id);
  }

  /** Flat, aggregated: rows grouped by the department's key (id, openDepartmentId, code, else name). */
  flatAggregated(record: SourceRecord): void {
    if (record.nestedIn !== undefined) {
      throw new FileError(
        'INVALID_DOCUMENT',
        'nested children cannot be combined with --repeated-rows, --member-column, --path-column or --level-columns',
        record.row,
      );
    }
    const member = this.memberOf(record);
    const n = this.normalise(record);
    if (!member.ok) {
      this.reject({ row: n.row, issues: [...n.issues, member.issue] });
      return;
    }
    const { fields, id } = n.row;
    const key =
      id !== undefined ? `i:${id}` : fields.openDepartmentId ? `o:${fields.openDepartmentId}` : fields.code ? `c:${fields.code}` : fields.name ? `n:${fields.name}` : undefined;
    if (key === undefined) {
      // Nothing says which department the row is about.
      this.reject(n.issues.length > 0 ? n : { row: n.row, issues: [{ row: n.row.row, code: 'NAME_REQUIRED', field: 'name', message: 'name is required' }] });
      return;
    }
    const { group } = this.group(key, rowLabel(n.row));
    this.addVariant(group, n);
    this.addMember(group, member.id);
  }

  /** The elements of a row's path, or the issue that rejects the row. */
  private pathOf(record: SourceRecord): { elements: unknown[]; column: string } | { issue: RowIssue } {
    const issue = (code: RowIssue['code'], message: string): { issue: RowIssue } => ({ issue: { row: record.row, code, field: 'path', message } });
    if (this.spec.pathColumn !== undefined) {
      const column = this.spec.pathColumn;
      const cell = record.values[column];
      if (isBlank(cell)) return issue('NAME_REQUIRED', `"${column}" is empty: the row names no department`);
      if (typeof cell !== 'string' && typeof cell !== 'number') return issue('INVALID_FIELD', `"${column}" must be text`);
      const parts = String(cell).split(this.spec.pathSeparator);
      // A leading or trailing separator (`/Company/Sales/`) is harmless; one between two elements is a gap.
      while (parts.length > 0 && parts[0]!.trim() === '') parts.shift();
      while (parts.length > 0 && parts.at(-1)!.trim() === '') parts.pop();
      const gap = parts.findIndex((p) => p.trim() === '');
      if (gap !== -1) {
        return issue('EMPTY_PATH_LEVEL', `"${column}" has an empty level ${gap + 1} (two separators "${this.spec.pathSeparator}" in a row)`);
      }
      return { elements: parts, column };
    }
    const columns = this.spec.levelColumns!;
    const cells = columns.map((c) => record.values[c]);
    let last = cells.length - 1;
    while (last >= 0 && isBlank(cells[last])) last--;
    if (last < 0) return issue('NAME_REQUIRED', `${columns.map((c) => `"${c}"`).join(', ')} are all empty: the row names no department`);
    const gap = cells.findIndex((c, i) => i < last && isBlank(c));
    if (gap !== -1) {
      return issue('EMPTY_PATH_LEVEL', `"${columns[gap]}" is empty but "${columns[last]}" below it is not; fill in every level above the last one`);
    }
    return { elements: cells.slice(0, last + 1), column: columns.join(', ') };
  }

  /**
   * The cell text of a row's path (the path column's, or the level columns' as
   * JSON), when it is text: the key of `resolvedPaths`.
   */
  private pathText(record: SourceRecord): string | undefined {
    if (this.spec.pathColumn !== undefined) {
      const cell = record.values[this.spec.pathColumn];
      return typeof cell === 'string' ? cell : undefined;
    }
    const cells = this.spec.levelColumns!.map((c) => record.values[c]);
    return cells.every((c) => typeof c === 'string' || c === undefined) ? JSON.stringify(cells) : undefined;
  }

  private rejectRecord(record: SourceRecord, issues: RowIssue[], key: string): void {
    this.rejected.push({ row: record.row, key, raw: record.values, issues: issues.map((i) => ({ ...i, key })) });
  }

  /** Path and level shapes: every prefix is a department, the row describes the last one. */
  pathRow(record: SourceRecord): void {
    if (record.nestedIn !== undefined) {
      throw new FileError('INVALID_DOCUMENT', 'nested children cannot be combined with --path-column or --level-columns', record.row);
    }
    const member = this.memberOf(record);
    // An export repeats a department's path on every one of its employees' rows:
    // the path is split, normalised and looked up the first time only.
    const text = this.pathText(record);
    const known = text === undefined ? undefined : this.resolvedPaths.get(text);
    if (known) {
      for (const c of known.cleaned) this.noteCleaned(record.row, c);
      if (!member.ok) this.rejectRecord(record, [member.issue], known.label);
      else this.describeLeaf(record, this.groups[known.leaf]!, member.id);
      return;
    }
    const path = this.pathOf(record);
    if ('issue' in path) {
      this.rejectRecord(record, [path.issue, ...(member.ok ? [] : [member.issue])], `row ${record.row}`);
      return;
    }
    // Names: normalised like any name; a control character rejects the row (or is removed with --clean-names).
    const names: string[] = [];
    const cleaned: CleanedName[] = [];
    for (const element of path.elements) {
      const name = normaliseName(element, { clean: this.spec.cleanNames });
      if (!name.ok || name.value === null) {
        const message = name.ok ? 'is empty' : name.message;
        this.rejectRecord(record, [{ row: record.row, code: 'INVALID_FIELD', field: 'path', message: `a level of the path ${message}` }], `row ${record.row}`);
        return;
      }
      if (name.cleaned) {
        const c = { before: String(element), after: name.value };
        this.noteCleaned(record.row, c);
        cleaned.push(c);
      }
      names.push(name.value);
    }
    const label = pathLabel(names);
    if (!member.ok) {
      this.rejectRecord(record, [member.issue], label);
      return;
    }
    let parent: number | undefined;
    for (let depth = 0; depth < names.length; depth++) {
      const prefix = names.slice(0, depth + 1);
      const key = pathKey(prefix);
      const { group, idx, created } = this.group(key, pathLabel(prefix));
      if (created) {
        const name = names[depth]!;
        const fields: DepartmentRow['fields'] = { name, openDepartmentId: key };
        const row: DepartmentRow = {
          row: record.row,
          raw: record.values,
          fields,
          parent: parent === undefined ? { kind: 'root' } : { kind: 'link', idx: parent },
        };
        group.implied = { row, issues: [] };
        const length = charLength(name);
        if (length > NAME_MAX_LENGTH) {
          group.issues.push({
            row: record.row,
            code: 'NAME_TOO_LONG',
            field: 'path',
            message: `the level "${name.slice(0, 40)}..." has ${length} characters; at most ${NAME_MAX_LENGTH} are allowed`,
          });
        }
      }
      parent = idx;
    }
    // Bounded: a file of (almost) only distinct paths gains nothing from it.
    if (text !== undefined && this.resolvedPaths.size < MAX_RESOLVED_PATHS) this.resolvedPaths.set(text, { label, leaf: parent!, cleaned });
    this.describeLeaf(record, this.groups[parent!]!, member.id);
  }

  /** The row's own fields describe the last department of its path. */
  private describeLeaf(record: SourceRecord, group: Group, memberId: string | null): void {
    // With no column mapped to a field and no defaults (a bare export: the path,
    // the member and columns orgsync ignores), normalising a row gives nothing
    // but its path: every row of a department describes it as the first one
    // did, and is merged into it without being normalised and compared.
    const { mapping } = this.resolver;
    const only = group.variants.length === 1 && group.failed.length === 0 ? group.variants[0]! : undefined;
    if (only && mapping.columnsByField.size === 0 && !mapping.defaults?.size && !this.spec.keepUnknownColumns) {
      only.count++;
      addRow(only.runs, record.row);
      this.mergedRows++;
      this.addMember(group, memberId);
      return;
    }
    const n = this.normalise(record);
    const implied = group.implied!.row;
    // In place: no column may give these two in a path shape (see shape/spec.ts), so they come last as a spread would put them.
    n.row.fields.name = implied.fields.name!;
    n.row.fields.openDepartmentId = implied.fields.openDepartmentId!;
    n.row.parent = implied.parent;
    this.addVariant(group, n);
    this.addMember(group, memberId);
  }

  /** The planner's rows (one per department) and the rows that failed on the way. */
  finish(): void {
    for (let idx = 0; idx < this.groups.length; idx++) {
      const group = this.groups[idx]!;
      let head: NormalisedRow;
      if (group.variants.length === 1) head = group.variants[0]!.head;
      else if (group.variants.length > 1) {
        const conflict = conflictIssue(group);
        const [first, ...others] = group.variants;
        head = { row: first!.head.row, issues: [{ row: first!.head.row.row, ...conflict }] };
        for (const v of others) this.reject({ row: v.head.row, issues: [{ row: v.head.row.row, ...conflict }] }, group.label);
      } else if (group.failed.length > 0) head = group.failed[0]!.head;
      else head = group.implied!;
      // Rows that failed on their own: reported, unless one stands in for a department no valid row describes.
      for (const v of group.failed) if (v.head !== head) this.reject(v.head, group.label);
      if (group.issues.length > 0) head = { row: head.row, issues: [...group.issues.map((i) => ({ ...i, row: head.row.row })), ...head.issues] };
      this.rows.push(head);
    }
  }

  members(): Map<number, ReadonlySet<string>> | undefined {
    if (this.spec.memberColumn === undefined) return undefined;
    const out = new Map<number, ReadonlySet<string>>();
    this.groups.forEach((g, idx) => {
      // The sets themselves, not copies: an HRIS export has a member per row.
      if (g.members && g.members.size > 0) out.set(idx, g.members);
    });
    return out;
  }

  warnings(format: InputFormat): string[] {
    const warnings: string[] = [];
    const { unknown, columnsByField } = this.resolver.mapping;
    if (unknown.length > 0) {
      warnings.push(
        this.spec.keepUnknownColumns
          ? `kept in customData (--keep-unknown-columns): ${unknown.join(', ')}`
          : `ignored columns that match no department field: ${unknown.join(', ')}`,
      );
    }
    if (this.spec.kind === 'flat' && format === 'csv' && this.resolver.columns.size > 0 && !columnsByField.has('name')) {
      warnings.push('the file has no name column');
    }
    for (const [before, c] of this.cleaned) {
      const more = c.count > 1 ? ` (and on ${c.count - 1} more ${c.count === 2 ? 'row' : 'rows'})` : '';
      warnings.push(`row ${c.row}: removed control characters from the name ${JSON.stringify(before)}, now "${c.after}"${more}`);
    }
    return warnings;
  }
}

/**
 * Shapes the records of one input. Throws FileError for problems with the
 * input as a whole (a named column missing, nesting combined with a row shape).
 */
export async function shapeRecords(
  input: ShapeInput,
  spec: ShapeSpec,
  onProgress?: (rowsDone: number) => void,
): Promise<ShapedInput> {
  const shaper = new Shaper(spec);
  shaper.resolver.add(input.columns);
  // NDJSON reveals its keys while streaming: the named columns are checked at the end.
  const streamedColumns = input.format === 'ndjson';
  // (A blank file has no columns: it is EMPTY_FILE, not a missing column.)
  if (!streamedColumns && input.columns.length > 0) shaper.resolver.checkNamedColumns();
  const step = spec.kind !== 'flat' ? shaper.pathRow.bind(shaper) : spec.aggregate ? shaper.flatAggregated.bind(shaper) : shaper.flat.bind(shaper);
  for await (const record of input.records) {
    if (streamedColumns) shaper.resolver.add(Object.keys(record.values));
    step(record);
    shaper.inputRows++;
    if (onProgress && shaper.inputRows % 5000 === 0) onProgress(shaper.inputRows);
  }
  if (streamedColumns && shaper.inputRows > 0) shaper.resolver.checkNamedColumns();
  if (spec.aggregate) shaper.finish();
  const shaped: ShapedInput = {
    rows: shaper.rows,
    rejected: shaper.rejected,
    inputRows: shaper.inputRows,
    mergedRows: shaper.mergedRows,
    columns: streamedColumns ? [...shaper.resolver.columns] : input.columns,
    warnings: shaper.warnings(input.format),
  };
  const members = shaper.members();
  if (members) shaped.members = members;
  return shaped;
}
