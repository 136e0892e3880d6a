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

/**
 * A list, not a Set: an HRIS export has a member per row, and a Set's hash
 * table took ~3 times an array's memory for the 1,000,000 ids, all of it held
 * until the run ends. A repeated id is counted once when the members are planned.
 */
export function addMember(group: Group, id: string | null): void {
  if (id === null) return;
  (group.members ??= []).push(id);
}
