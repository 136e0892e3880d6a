/**
 * What changes: compares each department's state after the import with what is
 * stored, so only changed rows are written and a re-import writes nothing.
 */
import type { StoredDepartment } from '../model.js';
import { jsonEqual } from '../normalise/values.js';

/** Fields an import can change, in the order reports list them. */
export const DIFF_FIELDS = [
  'name',
  'description',
  'code',
  'openDepartmentId',
  'parentId',
  'path',
  'depth',
  'location',
  'i18n',
  'customData',
  'leaderUserIds',
  'postIds',
  'isVirtual',
  'isActive',
  'color',
  'tenantId',
] as const satisfies readonly (keyof StoredDepartment)[];

const NOTHING_CHANGED: (keyof StoredDepartment)[] = [];

export function changedFields(before: StoredDepartment, after: StoredDepartment): (keyof StoredDepartment)[] {
  // The planner keeps the stored object itself for a department that stays as it is.
  if (before === after) return NOTHING_CHANGED;
  return DIFF_FIELDS.filter((f) => !jsonEqual(before[f], after[f]));
}
