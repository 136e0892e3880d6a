/**
 * Path and level columns (`--path-column "Org Path"`, `--level-columns A,B,C`):
 * every prefix of a row's path is a department, identified by the path itself
 * (see pathKey.ts); the row's mapped fields describe the last one.
 */
import { FileError, type RowIssue } from '../errors.js';
import type { DepartmentRow, SourceRecord } from '../model.js';
import { NAME_MAX_LENGTH } from '../model.js';
import type { CleanedName } from '../normalise/normaliseRow.js';
import { charLength, isBlank, normaliseName } from '../normalise/values.js';
import type { Groups } from './groups.js';
import { addMember, memberOf } from './members.js';
import { pathKey, pathLabel } from './pathKey.js';
import type { ShapeState } from './state.js';
import type { Group } from './variants.js';

/** Distinct path texts whose resolution pathRow remembers. */
const MAX_RESOLVED_PATHS = 100_000;

export class PathShaper {
  /** Paths already resolved (see shape), by their cell text. */
  private readonly resolvedPaths = new Map<string, { label: string; leaf: number; cleaned: CleanedName[] }>();

  constructor(
    private readonly state: ShapeState,
    private readonly groups: Groups,
  ) {}

  /** The elements of a row's path, or the issue that rejects the row. */
  private pathOf(record: SourceRecord): { elements: unknown[]; column: string } | { issue: RowIssue } {
    const spec = this.state.spec;
    const issue = (code: RowIssue['code'], message: string): { issue: RowIssue } => ({ issue: { row: record.row, code, field: 'path', message } });
    if (spec.pathColumn !== undefined) {
      const column = spec.pathColumn;
      const cell = record.values[column];
      if (isBlank(cell)) return issue('NAME_REQUIRED', `"${column}" is empty: the row names no department`);
      if (typeof cell !== 'string' && typeof cell !== 'number') return issue('INVALID_FIELD', `"${column}" must be text`);
      const parts = String(cell).split(spec.pathSeparator);
      // A leading or trailing separator (`/Company/Sales/`) is harmless; one between two elements is a gap.
      while (parts.length > 0 && parts[0]!.trim() === '') parts.shift();
      while (parts.length > 0 && parts.at(-1)!.trim() === '') parts.pop();
      // Only separators and blanks (` > `): no level at all, like an empty cell (it crashed describeLeaf).
      if (parts.length === 0) return issue('NAME_REQUIRED', `"${column}" has only separators "${spec.pathSeparator}" and blanks: the row names no department`);
      const gap = parts.findIndex((p) => p.trim() === '');
      if (gap !== -1) {
        return issue('EMPTY_PATH_LEVEL', `"${column}" has an empty level ${gap + 1} (two separators "${spec.pathSeparator}" in a row)`);
      }
      return { elements: parts, column };
    }
    const columns = spec.levelColumns!;
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
    const spec = this.state.spec;
    if (spec.pathColumn !== undefined) {
      const cell = record.values[spec.pathColumn];
      return typeof cell === 'string' ? cell : undefined;
    }
    const cells = spec.levelColumns!.map((c) => record.values[c]);
    return cells.every((c) => typeof c === 'string' || c === undefined) ? JSON.stringify(cells) : undefined;
  }

  /** Every prefix of the row's path is a department, the row describes the last one. */
  shape(record: SourceRecord): void {
    const state = this.state;
    if (record.nestedIn !== undefined) {
      throw new FileError('INVALID_DOCUMENT', 'nested children cannot be combined with --path-column or --level-columns', record.row);
    }
    const member = memberOf(state.spec, record);
    // An export repeats a department's path on every one of its employees' rows:
    // the path is split, normalised and looked up the first time only.
    const text = this.pathText(record);
    const known = text === undefined ? undefined : this.resolvedPaths.get(text);
    if (known) {
      for (const c of known.cleaned) state.noteCleaned(record.row, c);
      if (!member.ok) state.rejectRecord(record, [member.issue], known.label);
      else this.describeLeaf(record, this.groups.list[known.leaf]!, member.id);
      return;
    }
    const path = this.pathOf(record);
    if ('issue' in path) {
      state.rejectRecord(record, [path.issue, ...(member.ok ? [] : [member.issue])], `row ${record.row}`);
      return;
    }
    // Names: normalised like any name; a control character rejects the row (or is removed with --clean-names).
    const names: string[] = [];
    const cleaned: CleanedName[] = [];
    for (const element of path.elements) {
      const name = normaliseName(element, { clean: state.spec.cleanNames });
      if (!name.ok || name.value === null) {
        const message = name.ok ? 'is empty' : name.message;
        state.rejectRecord(record, [{ row: record.row, code: 'INVALID_FIELD', field: 'path', message: `a level of the path ${message}` }], `row ${record.row}`);
        return;
      }
      if (name.cleaned) {
        const c: CleanedName = { field: 'name', before: String(element), after: name.value, removed: name.cleaned };
        state.noteCleaned(record.row, c);
        cleaned.push(c);
      }
      names.push(name.value);
    }
    const label = pathLabel(names);
    if (!member.ok) {
      state.rejectRecord(record, [member.issue], label);
      return;
    }
    const parent = this.addPrefixes(record, names);
    // Bounded: a file of (almost) only distinct paths gains nothing from it.
    if (text !== undefined && this.resolvedPaths.size < MAX_RESOLVED_PATHS) this.resolvedPaths.set(text, { label, leaf: parent, cleaned });
    this.describeLeaf(record, this.groups.list[parent]!, member.id);
  }

  /** A group for every prefix of the path (made the first time it is seen); the index of the last one. */
  private addPrefixes(record: SourceRecord, names: readonly string[]): number {
    let parent: number | undefined;
    for (let depth = 0; depth < names.length; depth++) {
      const prefix = names.slice(0, depth + 1);
      const key = pathKey(prefix);
      const { group, idx, created } = this.groups.get(key, pathLabel(prefix));
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
    return parent!;
  }

  /** The row's own fields describe the last department of its path. */
  private describeLeaf(record: SourceRecord, group: Group, memberId: string | null): void {
    // With no column mapped to a field and no defaults (a bare export: the path,
    // the member and columns orgsync ignores), normalising a row gives nothing
    // but its path: every row of a department describes it as the first one
    // did, and is merged into it without being normalised and compared.
    const { spec, resolver } = this.state;
    const { mapping } = resolver;
    const only = group.variants.length === 1 && group.failed.length === 0 ? group.variants[0]! : undefined;
    if (only && mapping.columnsByField.size === 0 && !mapping.defaults?.size && !spec.keepUnknownColumns) {
      this.groups.merge(only, record.row);
      addMember(group, memberId);
      return;
    }
    const n = this.state.normalise(record);
    const implied = group.implied!.row;
    // In place: no column may give these two in a path shape (see shape/spec.ts), so they come last as a spread would put them.
    n.row.fields.name = implied.fields.name!;
    n.row.fields.openDepartmentId = implied.fields.openDepartmentId!;
    n.row.parent = implied.parent;
    this.groups.addVariant(group, n);
    addMember(group, memberId);
  }
}
