/**
 * Department history as data: what one write changed in one department. Pure;
 * the planner's output (ImportPlan) is turned into change records here so that
 * every face that writes departments (an import, a retry, an approval, a
 * revert, the department API) records the same thing the same way.
 */
import { type DepartmentUpdate, type ImportPlan, type JsonObject, type JsonValue, type MembersPlan, memberships, type StoredDepartment } from '../model.js';
import { DIFF_FIELDS } from '../plan/diff.js';

export const HISTORY_ACTIONS = ['created', 'updated', 'moved', 'deactivated', 'reactivated', 'member_added', 'member_removed'] as const;
export type HistoryAction = (typeof HISTORY_ACTIONS)[number];

export function isHistoryAction(value: string): value is HistoryAction {
  return (HISTORY_ACTIONS as readonly string[]).includes(value);
}

/** One change to one department; `before`/`after` hold only the fields that changed (null: none, as for a create's before). */
export interface DepartmentChange {
  departmentId: string;
  action: HistoryAction;
  before: JsonObject | null;
  after: JsonObject | null;
}

/** Who made a change, and under which run or HTTP request. */
export interface ChangeOrigin {
  runId: string | null;
  requestId?: string | null;
  /** `tok_…`, `cli:<os user>`, `schedule:<name>`, or `unknown` where the face does not say. */
  actor: string;
}

/** A change as stored, with its origin and time. */
export interface HistoryEntry extends DepartmentChange, ChangeOrigin {
  id: number;
  organizationId: string;
  requestId: string | null;
  at: string;
}

export const UNKNOWN_ACTOR = 'unknown';

function pick(d: StoredDepartment, fields: readonly (keyof StoredDepartment)[]): JsonObject {
  const out: JsonObject = {};
  for (const f of fields) out[f] = d[f] as JsonValue;
  return out;
}

/**
 * A created department's values, without the ones it does not have (null): a
 * create's record is most of the history's bytes (an import of 100,000 new
 * departments writes 100,000 of them), and an absent field reads back as null.
 * An import does not write it at all (ChangesOptions.creates): the
 * history rebuilds it from the department (createdValues.ts, same shape).
 */
function present(d: StoredDepartment, fields: readonly (keyof StoredDepartment)[]): JsonObject {
  const out: JsonObject = {};
  for (const f of fields) if (d[f] !== null && d[f] !== undefined) out[f] = d[f] as JsonValue;
  return out;
}

/** A change's action: a change of isActive says more than a move, a move more than an edit. */
function actionOf(u: DepartmentUpdate): HistoryAction {
  if (u.changed.includes('isActive')) return u.after.isActive ? 'reactivated' : 'deactivated';
  if (u.changed.includes('parentId')) return 'moved';
  return 'updated';
}

export interface ChangesOptions {
  /**
   * 'batch': creates are not yielded; the writer records them as one row for
   * the run (HistoryPort.recordCreates) and each created department points at
   * it (migration 0015): an import's creates are many, and a history row per
   * department cost the fresh 100,000-row import ~0.5-2 s. Reads expand it
   * into a `created` entry per department, record rebuilt (createdValues.ts).
   * Unset: a create is a change like any other, with its values written.
   */
  creates?: 'batch' | 'each';
}

/**
 * The changes a plan makes, in the order it writes them (an unchanged
 * department makes none). Lazy: a 1,000,000-department import must not hold a
 * change record per department next to its plan; the writer serialises one
 * batch at a time.
 */
export function* changesOfPlan(plan: Pick<ImportPlan, 'creates' | 'updates' | 'deactivations' | 'members'>, opts: ChangesOptions = {}): Generator<DepartmentChange> {
  if (opts.creates !== 'batch') for (const d of plan.creates) yield { departmentId: d.id, action: 'created', before: null, after: present(d, DIFF_FIELDS) };
  for (const list of [plan.updates, plan.deactivations]) {
    for (const u of list) {
      if (u.changed.length === 0) continue;
      yield { departmentId: u.after.id, action: actionOf(u), before: pick(u.before, u.changed), after: pick(u.after, u.changed) };
    }
  }
  if (plan.members) yield* changesOfMembers(plan.members);
}

export function* changesOfMembers(members: Pick<MembersPlan, 'adds' | 'removes'>): Generator<DepartmentChange> {
  for (const m of memberships(members.removes)) yield { departmentId: m.departmentId, action: 'member_removed', before: { memberId: m.memberId }, after: null };
  for (const m of memberships(members.adds)) yield { departmentId: m.departmentId, action: 'member_added', before: null, after: { memberId: m.memberId } };
}
