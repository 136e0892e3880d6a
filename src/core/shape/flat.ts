/**
 * Flat rows: one department per record. Nested charts (`children:`) are flat
 * records whose parent is the record they are nested in. With --repeated-rows
 * or a member column (employee rows), rows are grouped by the department's key.
 */
import { FileError } from '../errors.js';
import type { SourceRecord } from '../model.js';
import type { Groups } from './groups.js';
import { addMember, memberOf } from './members.js';
import type { ShapeState } from './state.js';
import { rowLabel } from './variants.js';

/** One department per record; a nested record is linked to the one it is nested in. */
export function shapeFlat(state: ShapeState, record: SourceRecord): void {
  const n = state.normalise(record);
  if (record.nestedIn !== undefined) {
    const declared = n.row.parent;
    n.row.parent =
      declared.kind === 'root' || declared.kind === 'ref'
        ? { kind: 'link', idx: record.nestedIn, declared }
        : { kind: 'link', idx: record.nestedIn };
    state.rows.push(n);
    return;
  }
  state.rows.push(state.keep(n, record));
}

/** Flat, aggregated: rows grouped by the department's key (id, openDepartmentId, code, else name). */
export function shapeFlatAggregated(state: ShapeState, groups: Groups, record: SourceRecord): void {
  if (record.nestedIn !== undefined) {
    throw new FileError(
      'INVALID_DOCUMENT',
      'nested children cannot be combined with --repeated-rows, --member-column, --path-column or --level-columns',
      record.row,
    );
  }
  const member = memberOf(state.spec, record);
  const n = state.normalise(record);
  if (!member.ok) {
    state.reject({ row: n.row, issues: [...n.issues, member.issue] });
    return;
  }
  const { fields, id } = n.row;
  const key =
    id !== undefined ? `i:${id}` : fields.openDepartmentId ? `o:${fields.openDepartmentId}` : fields.code ? `c:${fields.code}` : fields.name ? `n:${fields.name}` : undefined;
  if (key === undefined) {
    // Nothing says which department the row is about.
    state.reject(n.issues.length > 0 ? n : { row: n.row, issues: [{ row: n.row.row, code: 'NAME_REQUIRED', field: 'name', message: 'name is required' }] });
    return;
  }
  const { group } = groups.get(key, rowLabel(n.row));
  groups.addVariant(group, n);
  addMember(group, member.id);
}
