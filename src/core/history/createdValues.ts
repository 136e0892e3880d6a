/**
 * A created department's record, rebuilt from the department itself. Pure.
 *
 * Why: an import's creates are written without their values (one history
 * row for the run's creates, migration 0015; before it, one row per create
 * with after = null). Writing the values too made MariaDB store a second copy
 * of every new department in the import's transaction (~360 bytes of JSON
 * each): the fresh 100,000-department import's write phase went from ~3.3 s
 * to ~5.9 s (bench/README.md). The
 * department row already holds those values, and every later change to it is
 * in the history with its `before`, so what it looked like right after its
 * creation follows from what is stored now (one source of truth):
 * - each field: the `before` of the first later change that names it, else
 *   its value now;
 * - path and depth: from the parent chain as it was at that moment (each
 *   ancestor's parentId rolled back the same way). Not from `before`: a move
 *   through the department API rewrites its subtree's paths without a history
 *   row per descendant, while every parentId change is recorded.
 * Later changes are never pruned before the create they follow (pruning goes
 * by age), so the rebuild is exact while the create's row exists. `at` is the
 * create's entry id: for a run's creates, their shared row's id, which every
 * later change to those departments exceeds (the row is written first).
 */
import type { JsonObject, JsonValue } from '../model.js';
import { DIFF_FIELDS } from '../plan/diff.js';
import type { HistoryAction } from './changes.js';

/** A later change as the rebuild needs it: its order and what the department had before it. */
export interface LaterChange {
  id: number;
  action: HistoryAction;
  before: JsonObject | null;
}

/** Department fields (DIFF_FIELDS), as they are now. */
export type FieldValues = Readonly<Record<string, JsonValue | undefined>>;

const isMemberChange = (a: HistoryAction): boolean => a === 'member_added' || a === 'member_removed';

/**
 * The value of `field` right after history entry `at`, from its value now and
 * the department's changes in id order (earlier ones and other fields are skipped).
 */
export function fieldAfter(now: FieldValues, changes: readonly LaterChange[], at: number, field: string): JsonValue | undefined {
  for (const c of changes) {
    if (c.id <= at || isMemberChange(c.action) || c.before === null) continue;
    if (Object.prototype.hasOwnProperty.call(c.before, field)) return c.before[field];
  }
  return now[field];
}

/** Every field (DIFF_FIELDS but path and depth) right after entry `at`. */
export function fieldsAfter(now: FieldValues, changes: readonly LaterChange[], at: number): Record<string, JsonValue | undefined> {
  const out: Record<string, JsonValue | undefined> = {};
  for (const f of DIFF_FIELDS) if (f !== 'path' && f !== 'depth') out[f] = fieldAfter(now, changes, at, f);
  return out;
}

/** The path and depth of a department whose ancestors, nearest first, were `ancestors` (ids). */
export function pathOf(id: string, ancestors: readonly string[]): { path: string; depth: number } {
  return { path: `/${[...ancestors].reverse().concat(id).join('/')}`, depth: ancestors.length };
}

/**
 * The record a create would have written (changes.ts `present`): the fields
 * in DIFF_FIELDS order, without the ones that are null.
 */
export function createdRecord(fields: Readonly<Record<string, JsonValue | undefined>>, where: { path: string; depth: number }): JsonObject {
  const out: JsonObject = {};
  for (const f of DIFF_FIELDS) {
    const v = f === 'path' ? where.path : f === 'depth' ? where.depth : fields[f];
    if (v !== null && v !== undefined) out[f] = v;
  }
  return out;
}
