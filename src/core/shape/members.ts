/** Employee rows (--member-column): each row names one member of its department. */
import type { RowIssue } from '../errors.js';
import type { SourceRecord } from '../model.js';
import { parseText } from '../normalise/values.js';
import type { ShapeSpec } from './spec.js';
import type { Group } from './variants.js';

const MEMBER_MAX_LENGTH = 191;

export type MemberOf = { ok: true; id: string | null } | { ok: false; issue: RowIssue };

const NO_MEMBER: MemberOf = { ok: true, id: null };

/** Reads the member id of a row; a bad one rejects the row. */
export function memberOf(spec: ShapeSpec, record: SourceRecord): MemberOf {
  const column = spec.memberColumn;
  if (column === undefined) return NO_MEMBER;
  const parsed = parseText(record.values[column], MEMBER_MAX_LENGTH);
  if (!parsed.ok) {
    return { ok: false, issue: { row: record.row, code: 'INVALID_FIELD', field: 'member', message: `the member id in "${column}" ${parsed.message}` } };
  }
  return { ok: true, id: parsed.value };
}

export function addMember(group: Group, id: string | null): void {
  if (id === null) return;
  (group.members ??= new Set()).add(id);
}
