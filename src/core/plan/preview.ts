/**
 * The plan as a person reviews it before it happens: every department a run
 * would create, update, move and deactivate, and the members it would leave
 * without a department. Built from the planner's plan and the stored view it
 * was made from, for dry runs and runs held for approval (docs/operations.md).
 *
 * Entries are compact (ids, names, paths as names, the changed fields only):
 * the preview lists every change, but never keeps a second copy of a department.
 * Paths are rebuilt by walking parent ids (never by splitting stored path
 * strings, which would flatten the paths the planner shares: storedPaths.ts).
 */
import { type ImportPlan, memberships as membershipPairs, type StoredDepartment } from '../model.js';

export const PLAN_ACTIONS = ['created', 'updated', 'moved', 'deactivated', 'membersOrphaned'] as const;
export type PlanAction = (typeof PLAN_ACTIONS)[number];

export interface FieldChange {
  field: string;
  before: unknown;
  after: unknown;
}

export interface PlannedCreate {
  id: string;
  name: string;
  code: string | null;
  /** The new parent's path as names (`Engineering > Platform`); '' at the top level. */
  parentPath: string;
}

export interface PlannedUpdate {
  id: string;
  name: string;
  /** The department's own path as names, after the run. */
  path: string;
  /** The fields that change (`path` as names), before and after. */
  changes: FieldChange[];
}

export interface PlannedMove {
  id: string;
  name: string;
  /** Old and new parent path as names; '' is the top level. */
  fromParentPath: string;
  toParentPath: string;
  /** Other fields that change with the move (name, code, ...). */
  changes: FieldChange[];
}

export interface PlannedDeactivation {
  id: string;
  name: string;
  path: string;
  /** Direct members, as stored. */
  memberCount: number;
  /** Direct children that are active now. */
  activeChildren: number;
}

export interface OrphanedMember {
  memberId: string;
  /** The paths of the departments the member leaves. */
  leaves: string[];
}

export interface PlanPreview {
  created: PlannedCreate[];
  updated: PlannedUpdate[];
  moved: PlannedMove[];
  deactivated: PlannedDeactivation[];
  membersOrphaned: OrphanedMember[];
}

/** Per action, how many entries the full preview holds. */
export type PlanPreviewCounts = Record<PlanAction, number>;

export const PATH_SEPARATOR = ' > ';

/** Fields shown by other means: the parent as paths (moves), the path's ids as names. */
const MOVE_FIELDS = new Set<string>(['parentId', 'path', 'depth']);

export interface PreviewInput {
  plan: Pick<ImportPlan, 'creates' | 'updates' | 'deactivations' | 'members'>;
  stored: readonly StoredDepartment[];
  /** Stored memberships (department id → member ids), when known: for the members left without a department. */
  memberships?: ReadonlyMap<string, ReadonlySet<string>>;
}

export function buildPlanPreview({ plan, stored, memberships }: PreviewInput): PlanPreview {
  const before = new Map<string, StoredDepartment>();
  const activeChildren = new Map<string, number>();
  for (const d of stored) {
    before.set(d.id, d);
    if (d.isActive && d.parentId !== null) activeChildren.set(d.parentId, (activeChildren.get(d.parentId) ?? 0) + 1);
  }
  const after = new Map<string, StoredDepartment>();
  for (const d of plan.creates) after.set(d.id, d);
  for (const u of plan.updates) after.set(u.after.id, u.after);
  for (const u of plan.deactivations) after.set(u.after.id, u.after);
  const beforePaths = pathsOf((id) => before.get(id));
  const afterPaths = pathsOf((id) => after.get(id) ?? before.get(id));

  const preview: PlanPreview = { created: [], updated: [], moved: [], deactivated: [], membersOrphaned: [] };
  for (const d of plan.creates) {
    preview.created.push({ id: d.id, name: d.name, code: d.code ?? null, parentPath: afterPaths(d.parentId) });
  }
  for (const u of plan.updates) {
    if (u.changed.includes('parentId')) {
      preview.moved.push({
        id: u.after.id,
        name: u.after.name,
        fromParentPath: beforePaths(u.before.parentId),
        toParentPath: afterPaths(u.after.parentId),
        changes: u.changed.filter((f) => !MOVE_FIELDS.has(f)).map((f) => ({ field: f, before: u.before[f], after: u.after[f] })),
      });
      continue;
    }
    const changes = u.changed.map((f) =>
      f === 'path' ? { field: f, before: beforePaths(u.before.id), after: afterPaths(u.after.id) } : { field: f, before: u.before[f], after: u.after[f] },
    );
    preview.updated.push({ id: u.after.id, name: u.after.name, path: afterPaths(u.after.id), changes });
  }
  for (const u of plan.deactivations) {
    preview.deactivated.push({
      id: u.before.id,
      name: u.before.name,
      path: beforePaths(u.before.id),
      memberCount: u.before.memberCount,
      activeChildren: activeChildren.get(u.before.id) ?? 0,
    });
  }
  if (memberships) preview.membersOrphaned = orphanedMembers(plan, memberships, beforePaths);
  return preview;
}

/**
 * Path-as-names lookup over a parent-id chain, memoised per department (siblings
 * share their parent's entry). Iterative: no walk over a tree recurses.
 */
function pathsOf(find: (id: string) => StoredDepartment | undefined): (id: string | null) => string {
  const memo = new Map<string, string>();
  return (id) => {
    if (id === null) return '';
    const chain: StoredDepartment[] = [];
    let base = '';
    // A cycle cannot be stored (the planner refuses one), but a bound keeps a bad row from looping.
    for (let cur = find(id), steps = 0; cur && steps < 10_000; cur = cur.parentId === null ? undefined : find(cur.parentId), steps++) {
      const known = memo.get(cur.id);
      if (known !== undefined) {
        base = known;
        break;
      }
      chain.push(cur);
    }
    for (let i = chain.length - 1; i >= 0; i--) {
      base = base === '' ? chain[i]!.name : `${base}${PATH_SEPARATOR}${chain[i]!.name}`;
      memo.set(chain[i]!.id, base);
    }
    return base;
  };
}

/**
 * Members who are in an active department now and in none after the run:
 * their memberships are removed, or every department they are in is deactivated.
 */
function orphanedMembers(plan: PreviewInput['plan'], memberships: ReadonlyMap<string, ReadonlySet<string>>, paths: (id: string) => string): OrphanedMember[] {
  const deactivated = new Set(plan.deactivations.map((u) => u.before.id));
  const removed = new Set([...membershipPairs(plan.members?.removes ?? [])].map((m) => `${m.departmentId}\u0000${m.memberId}`));
  const leaving = new Map<string, string[]>();
  const staying = new Set<string>();
  for (const [departmentId, members] of memberships) {
    const goes = deactivated.has(departmentId);
    for (const memberId of members) {
      if (goes || removed.has(`${departmentId}\u0000${memberId}`)) {
        const list = leaving.get(memberId);
        if (list) list.push(departmentId);
        else leaving.set(memberId, [departmentId]);
      } else {
        staying.add(memberId);
      }
    }
  }
  for (const m of plan.members?.adds ?? []) if (!deactivated.has(m.departmentId)) for (const memberId of m.memberIds) staying.add(memberId);
  const out: OrphanedMember[] = [];
  for (const [memberId, departments] of leaving) {
    if (!staying.has(memberId)) out.push({ memberId, leaves: departments.map(paths) });
  }
  return out.sort((a, b) => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0));
}

export function planPreviewCounts(preview: PlanPreview): PlanPreviewCounts {
  return {
    created: preview.created.length,
    updated: preview.updated.length,
    moved: preview.moved.length,
    deactivated: preview.deactivated.length,
    membersOrphaned: preview.membersOrphaned.length,
  };
}

/** One page of one action's entries: `cursor` is the offset the previous page ended at. */
export function pagePlanPreview(preview: PlanPreview, action: PlanAction, cursor: number, limit: number) {
  const all: readonly unknown[] = preview[action];
  const items = all.slice(cursor, cursor + limit);
  const next = cursor + items.length;
  return { action, total: all.length, items, nextCursor: next < all.length ? String(next) : null };
}

/** The first `max` entries of each action, with how many the full preview holds. */
export function truncatePlanPreview(preview: PlanPreview, max: number): { plan: PlanPreview; totals: PlanPreviewCounts } {
  return {
    plan: {
      created: preview.created.slice(0, max),
      updated: preview.updated.slice(0, max),
      moved: preview.moved.slice(0, max),
      deactivated: preview.deactivated.slice(0, max),
      membersOrphaned: preview.membersOrphaned.slice(0, max),
    },
    totals: planPreviewCounts(preview),
  };
}
