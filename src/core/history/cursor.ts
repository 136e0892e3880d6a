/**
 * Where a page of history ends, for keyset pagination. Pure.
 *
 * Entries are ordered by (id, departmentId). An entry's id is its history
 * row's, and is unique but for an import's creates: a run writes one row for
 * all of them (migration 0015), so they share its id (within one department's
 * history it is still unique: a department is created once). A page that ends
 * inside such a run's creates needs the department too: the cursor is then
 * `"<id>:<departmentId>"`; anywhere else it is the id, a number, as it always was.
 */
import type { HistoryEntry } from './changes.js';

export interface HistoryCursor {
  id: number;
  /** Unset: after every entry with this id. */
  departmentId?: string;
}

const CURSOR = /^([1-9][0-9]{0,15})(?::(\S{1,64}))?$/;

/** `"123"` or `"123:dept_…"`; undefined when it is neither (or the id is not a safe integer). */
export function parseHistoryCursor(text: string): HistoryCursor | undefined {
  const m = CURSOR.exec(text);
  if (!m) return undefined;
  const id = Number(m[1]);
  if (!Number.isSafeInteger(id)) return undefined;
  return m[2] === undefined ? { id } : { id, departmentId: m[2] };
}

/**
 * The cursor after `last`: composite when its id may be shared (a run's
 * create, in any list but one department's), else the id.
 */
export function cursorAfter(last: HistoryEntry, oneDepartment: boolean): number | string {
  const shared = !oneDepartment && last.action === 'created' && last.runId !== null;
  return shared ? `${last.id}:${last.departmentId}` : last.id;
}

/** Whether entry (id, departmentId) comes after `cursor` in (id, departmentId) order. */
export function isAfterCursor(cursor: HistoryCursor | undefined, id: number, departmentId: string): boolean {
  if (cursor === undefined || id > cursor.id) return true;
  return id === cursor.id && cursor.departmentId !== undefined && departmentId > cursor.departmentId;
}

/** (id, departmentId) order, for merging a run's creates with the other entries. */
export function compareEntries(a: Pick<HistoryEntry, 'id' | 'departmentId'>, b: Pick<HistoryEntry, 'id' | 'departmentId'>): number {
  if (a.id !== b.id) return a.id - b.id;
  return a.departmentId < b.departmentId ? -1 : a.departmentId > b.departmentId ? 1 : 0;
}
