/**
 * Moving a department (and its subtree) under another parent, or to the top
 * level, holding the organization's lock in shared mode (other API writes run
 * beside it, an import never does). The checks touch only the two departments
 * and one aggregate over the subtree; the move itself is a fixed number of
 * set-based statements (adapters/db/departmentMoves.ts).
 *
 * Concurrency: the department is locked exclusively and the new parent in
 * shared mode, in id order (two moves of the same pair queue instead of
 * deadlocking), both with locking reads that see the latest committed rows;
 * the subtree is locked before its depth is checked. Two moves that would
 * together make a cycle (A under B's descendant, B under A's) each lock the
 * other's target parent through their subtree: one waits, or InnoDB picks a
 * deadlock victim that is retried, and the later one finds the cycle.
 *
 * Rules: no move under itself or a descendant (CYCLE_DETECTED); the subtree's
 * deepest department stays within the depth limit (DEPTH_EXCEEDED); an active
 * department never goes under an inactive parent (PARENT_INACTIVE); a name
 * clash in the new siblings scope is the unique index's to find
 * (DEPARTMENT_NAME_CONFLICT).
 */
import { UNKNOWN_ACTOR } from '../core/history/changes.js';
import type { Organization, StoredDepartment } from '../core/model.js';
import { effectiveMaxDepth } from '../core/plan/depthLimit.js';
import type { Repositories, Tx } from './ports.js';

export type ParentIdType = 'department_id' | 'code' | 'open_department_id';

export interface ReparentRequest {
  organization: Organization;
  departmentId: string;
  /** null or 'root': the top level. */
  parentRef: string | null;
  parentIdType: ParentIdType;
  maxDepth?: number;
  lockTimeoutSeconds: number;
  actor?: string;
  requestId?: string;
}

export type ReparentFailureCode = 'DEPARTMENT_NOT_FOUND' | 'PARENT_NOT_FOUND' | 'CYCLE_DETECTED' | 'DEPTH_EXCEEDED' | 'PARENT_INACTIVE' | 'DEPARTMENT_NAME_CONFLICT';

export type ReparentResult =
  | { ok: true; department: StoredDepartment; moved: boolean }
  | { ok: false; code: ReparentFailureCode; message: string };

const KEY_OF: Record<ParentIdType, 'id' | 'code' | 'open_department_id'> = { department_id: 'id', code: 'code', open_department_id: 'open_department_id' };

type Ports = Pick<Repositories, 'lock' | 'departmentMoves' | 'history' | 'transactions'>;

/**
 * Without `trx`, in its own transaction under the organization's lock; with
 * `trx` (the caller's, under that lock: the Authing face moves and changes
 * fields in one transaction), there. A refusal has written nothing (a name
 * clash fails the move's first statement, the department's own row).
 */
export async function reparentDepartment(repos: Ports, req: ReparentRequest, trx?: Tx): Promise<ReparentResult> {
  if (trx !== undefined) return reparentIn(repos, req, trx);
  return repos.lock.withDepartmentWrite(req.organization.code, (t) => reparentIn(repos, req, t), { timeoutSeconds: req.lockTimeoutSeconds });
}

async function reparentIn(repos: Ports, req: ReparentRequest, trx: Tx): Promise<ReparentResult> {
  const org = req.organization;
  const moves = repos.departmentMoves;
  const notFound = { ok: false, code: 'PARENT_NOT_FOUND', message: `No department with ${req.parentIdType} "${req.parentRef}" in organization "${org.code}".` } as const;
  const key = KEY_OF[req.parentIdType];
  const ref = req.parentRef === 'root' ? null : req.parentRef;
  // The parent's id, to lock the two rows in id order (a code or openDepartmentId is looked up first).
  const parentId = ref === null ? null : key === 'id' ? ref : (await moves.findBy(trx, org.id, key, ref))?.id;
  const lockSelf = () => moves.findBy(trx, org.id, 'id', req.departmentId, 'update');
  const noDepartment = { ok: false, code: 'DEPARTMENT_NOT_FOUND', message: `No department ${req.departmentId} in organization "${org.code}".` } as const;
  // An unknown department is reported first, as before.
  if (parentId === undefined) return (await lockSelf()) ? notFound : noDepartment;
  const lockParent = async () => (parentId === null ? null : ((await moves.findBy(trx, org.id, 'id', parentId, 'share')) ?? 'missing'));
  let d: StoredDepartment | undefined;
  let locked: StoredDepartment | null | 'missing';
  if (parentId !== null && parentId < req.departmentId) {
    locked = await lockParent();
    d = await lockSelf();
  } else {
    d = await lockSelf();
    locked = await lockParent();
  }
  if (!d) return noDepartment;
  // Gone, or (looked up by code) renamed by a write that committed since the lookup.
  if (locked === 'missing' || (locked !== null && ref !== null && locked[key === 'id' ? 'id' : key === 'code' ? 'code' : 'openDepartmentId'] !== ref)) return notFound;
  const parent = locked;
  if (parent && (parent.id === d.id || parent.path.startsWith(`${d.path}/`))) {
    return { ok: false, code: 'CYCLE_DETECTED', message: `department ${d.id} cannot be moved under itself or its own descendant ${parent.id}` };
  }
  if ((parent?.id ?? null) === d.parentId) return { ok: true, department: d, moved: false };
  if (parent && d.isActive && !parent.isActive) {
    return { ok: false, code: 'PARENT_INACTIVE', message: `the active department ${d.id} cannot be moved under the inactive department ${parent.id}` };
  }
  const max = effectiveMaxDepth(req.maxDepth);
  const delta = (parent ? parent.depth + 1 : 0) - d.depth;
  const deepestLevel = (await moves.deepestBelow(trx, d)) + delta + 1;
  if (deepestLevel > max) {
    return { ok: false, code: 'DEPTH_EXCEEDED', message: `its subtree would reach level ${deepestLevel}; at most ${max} levels are allowed` };
  }
  const now = new Date();
  try {
    await moves.move(trx, d, parent, org.nameScope, now);
  } catch (err) {
    if (!repos.transactions.isDuplicateKeyError(err)) throw err;
    return { ok: false, code: 'DEPARTMENT_NAME_CONFLICT', message: `a department named "${d.name}" already exists under the new parent` };
  }
  await repos.history.record(
    trx,
    org.id,
    [{ departmentId: d.id, action: 'moved', before: { parentId: d.parentId }, after: { parentId: parent?.id ?? null } }],
    { runId: null, requestId: req.requestId ?? null, actor: req.actor ?? UNKNOWN_ACTOR },
    now,
  );
  const after = await moves.findBy(trx, org.id, 'id', d.id);
  return { ok: true, department: after ?? d, moved: true };
}
