/**
 * A stored department and the row of the file that names it mostly hold the
 * same name and description twice: the database's strings and the row's
 * (kept for replanning). Where the text is equal, the stored department takes
 * the row's strings, so the database's copies are garbage: ~80 bytes a
 * department of the bench's rows. The same text, so nothing that reads the
 * department can tell.
 */
import type { DepartmentFields, StoredDepartment } from '../model.js';
import type { NormalisedRow } from '../normalise/normaliseRow.js';
import type { StoredLookup } from './storedLookup.js';

export function shareEqualText(base: StoredDepartment, given: Partial<DepartmentFields>): void {
  if (given.name !== undefined && given.name === base.name) base.name = given.name;
  if (typeof given.description === 'string' && given.description === base.description) base.description = given.description;
}

/**
 * Before planning starts: each row's text shared with the stored department
 * holding its code or openDepartmentId (whichever the row matches later, the
 * text compared is the same). Done before the planner's row states exist,
 * not at the match: the stored copies were then alive at planning's first
 * peak (in-process, 200,000 unchanged departments: 172 against 156 MB live
 * after building the row states). Ids are left to the match: the lookup of a
 * checked load makes its id index only when a row asks by id.
 *
 * Returns, by row index, the position of the stored department holding the
 * row's code (-1: none, or the row has no code), for matchByKeys to use
 * instead of looking every code up a second time (each lookup reads the
 * stored department and its code: at 1,000,000 rows ~1 s of cache misses).
 * Undefined when nothing is stored.
 */
export function shareTextByKeys(rows: readonly NormalisedRow[], stored: StoredLookup): Int32Array | undefined {
  if (stored.size === 0) return undefined;
  const byCode = new Int32Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const { row } = rows[i]!;
    const { code, openDepartmentId } = row.fields;
    let at = code == null ? -1 : stored.positionBy('code', code);
    byCode[i] = at;
    if (at < 0 && openDepartmentId != null) at = stored.positionBy('openDepartmentId', openDepartmentId);
    if (at >= 0) shareEqualText(stored.at(at), row.fields);
  }
  return byCode;
}
