/**
 * One department through the HTTP API after its creation: get it by id, code
 * or openDepartmentId, update its fields, deactivate it (with its subtree).
 *
 * Updates are validated by the importer's own normaliser (normaliseRecord,
 * as createDepartment does), so the API and an import accept the same values.
 * Uniqueness (name in its scope, code, openDepartmentId) is decided by the
 * database's unique indexes, not by loading the organization. Every write
 * holds the organization's lock in shared mode (an import never interleaves;
 * other API writes do), with the department row-locked and every row its
 * checks read locked too (children, parent: adapters/db/departmentWrites.ts),
 * and records its history in the same transaction, after its last lock.
 *
 * The activity rule: an active department never sits under an inactive one.
 */
import { ROW_ERROR_CODES, type RowIssue } from '../core/errors.js';
import type { DepartmentFields, DepartmentUpdate, Organization, SourceRecord, StoredDepartment } from '../core/model.js';
import { changesOfPlan, type ChangeOrigin } from '../core/history/changes.js';
import { normaliseRecord } from '../core/normalise/normaliseRow.js';
import { type InputField, mapColumns } from '../core/normalise/vocabulary.js';
import { changedFields } from '../core/plan/diff.js';
import type { DepartmentRef } from '../adapters/db/departmentWrites.js';
import type { DepartmentView, Repositories, Tx } from './ports.js';

type Ports = Pick<Repositories, 'departmentWrites' | 'departmentReads' | 'lock' | 'history'>;

/** `ENG` from `code:ENG`, `ou_1` from `open:ou_1`; anything else is an id. */
export function parseDepartmentRef(ref: string): DepartmentRef {
  if (ref.startsWith('code:')) return { by: 'code', value: ref.slice('code:'.length) };
  if (ref.startsWith('open:')) return { by: 'openDepartmentId', value: ref.slice('open:'.length) };
  return { by: 'id', value: ref };
}

export async function departmentByRef(repos: Pick<Repositories, 'departmentWrites' | 'departmentReads'>, organizationId: string, ref: string): Promise<DepartmentView | undefined> {
  const parsed = parseDepartmentRef(ref);
  const id = parsed.by === 'id' ? parsed.value : await repos.departmentWrites.findId(organizationId, parsed);
  return id === undefined ? undefined : repos.departmentReads.get(organizationId, id);
}

/**
 * The importer's fields a PATCH may change, each under any name the importer
 * takes for it (`is_active`, `status`, `desc`...); not the parent: that is a move.
 */
export const PATCHABLE_FIELDS = new Set([
  'name',
  'description',
  'code',
  'openDepartmentId',
  'location',
  'i18n',
  'customData',
  'isVirtual',
  'leaderUserIds',
  'postIds',
  'color',
  'isActive',
] as const satisfies readonly (InputField & keyof DepartmentFields)[]);
type PatchableField = typeof PATCHABLE_FIELDS extends Set<infer F> ? F : never;

export interface DepartmentWriteRequest {
  organization: Organization;
  id: string;
  lockTimeoutSeconds: number;
  origin: ChangeOrigin;
}

type Refusal =
  | { ok: false; code: 'DEPARTMENT_NOT_FOUND' | 'DEPARTMENT_HAS_CHILDREN' | 'PARENT_INACTIVE' }
  | { ok: false; code: 'INVALID'; issues: RowIssue[]; fields: Partial<DepartmentFields> };

export type DepartmentWriteResult = { ok: true; department: DepartmentView } | Refusal;

/** What a write inside the caller's transaction decided: the department's id, or why not (nothing written then). */
export type DepartmentWriteOutcome = { ok: true; id: string } | Refusal;

/**
 * The department as the API shows it, read after the transaction committed
 * (inside it, SQLite's single connection is the transaction's, and MySQL's
 * other connections would still see the old row).
 */
async function answer(repos: Ports, organizationId: string, outcome: DepartmentWriteOutcome): Promise<DepartmentWriteResult> {
  if (!outcome.ok) return outcome;
  const department = await repos.departmentReads.get(organizationId, outcome.id);
  if (!department) return { ok: false, code: 'DEPARTMENT_NOT_FOUND' };
  return { ok: true, department };
}

type UpdateRequest = DepartmentWriteRequest & { fields: Record<string, unknown> };

/**
 * Without `trx`: in its own transaction under the organization's lock, and
 * answers the department as committed. With `trx` (the caller's, under that
 * lock: the Authing face's move and field changes in one transaction), it
 * writes there and answers the id; a refusal has written nothing, and the
 * caller rolls back what it wrote before (by throwing).
 */
export async function updateDepartment(repos: Ports, req: UpdateRequest): Promise<DepartmentWriteResult>;
export async function updateDepartment(repos: Ports, req: UpdateRequest, trx: Tx): Promise<DepartmentWriteOutcome>;
export async function updateDepartment(repos: Ports, req: UpdateRequest, trx?: Tx): Promise<DepartmentWriteResult | DepartmentWriteOutcome> {
  if (trx !== undefined) return updateIn(repos, req, trx);
  const outcome = await repos.lock.withDepartmentWrite(req.organization.code, (t) => updateIn(repos, req, t), { timeoutSeconds: req.lockTimeoutSeconds });
  return answer(repos, req.organization.id, outcome);
}

async function updateIn(repos: Ports, req: UpdateRequest, trx: Tx): Promise<DepartmentWriteOutcome> {
  const byField = mapColumns(Object.keys(req.fields)).columnsByField;
  const given = [...byField.keys()].filter((f): f is PatchableField => PATCHABLE_FIELDS.has(f as PatchableField));
  const org = req.organization;
  const before = await repos.departmentWrites.lockOne(trx, org.id, req.id);
  if (!before) return { ok: false, code: 'DEPARTMENT_NOT_FOUND' };
  // The normaliser wants a name; an update without one keeps the stored one.
  const values: Record<string, unknown> = Object.assign(Object.create(null) as object, byField.has('name') ? {} : { name: before.name }, req.fields);
  const record: SourceRecord = { row: 1, values };
  const row = normaliseRecord(record, mapColumns(Object.keys(values)), { parentRef: 'id' });
  const fields = row.row.fields;
  if (row.issues.length > 0) return { ok: false, code: 'INVALID', issues: row.issues, fields };
  const after: StoredDepartment = { ...before };
  for (const field of given) (after as unknown as Record<string, unknown>)[field] = fields[field];
  const changed = changedFields(before, after);
  if (changed.length === 0) return { ok: true, id: before.id };
  if (before.isActive && !after.isActive && (await repos.departmentWrites.hasActiveChildren(trx, org.id, before.id))) {
    return { ok: false, code: 'DEPARTMENT_HAS_CHILDREN' };
  }
  if (!before.isActive && after.isActive && before.parentId !== null && !(await repos.departmentWrites.isActive(trx, org.id, before.parentId))) {
    return { ok: false, code: 'PARENT_INACTIVE' };
  }
  const now = new Date();
  const { conflict } = await repos.departmentWrites.update(trx, org, after, now);
  if (conflict) return { ok: false, code: 'INVALID', issues: [conflictIssue(conflict)], fields };
  const update: DepartmentUpdate = { before, after, changed };
  await repos.history.record(trx, org.id, changesOfPlan({ creates: [], updates: [update], deactivations: [] }), req.origin, now);
  return { ok: true, id: before.id };
}

function conflictIssue(field: 'name' | 'code' | 'openDepartmentId'): RowIssue {
  const code = field === 'name' ? 'DEPARTMENT_NAME_CONFLICT' : field === 'code' ? 'DUPLICATE_CODE' : 'DUPLICATE_OPEN_DEPARTMENT_ID';
  return { row: 1, code, field, message: ROW_ERROR_CODES[code] };
}

/** Deactivates (never deletes); with `cascade`, the whole active subtree in one statement. */
export async function deactivateDepartment(repos: Ports, req: DepartmentWriteRequest & { cascade: boolean }): Promise<DepartmentWriteResult> {
  const org = req.organization;
  const outcome = await repos.lock.withDepartmentWrite(
    org.code,
    async (trx): Promise<{ ok: true; id: string } | Refusal> => {
      const before = await repos.departmentWrites.lockOne(trx, org.id, req.id);
      if (!before) return { ok: false, code: 'DEPARTMENT_NOT_FOUND' };
      if (!before.isActive) return { ok: true, id: before.id };
      if (!req.cascade && (await repos.departmentWrites.hasActiveChildren(trx, org.id, before.id))) return { ok: false, code: 'DEPARTMENT_HAS_CHILDREN' };
      const now = new Date();
      const ids = await repos.departmentWrites.deactivateSubtree(trx, org.id, before, now);
      const changes = ids.map((departmentId) => ({ departmentId, action: 'deactivated' as const, before: { isActive: true }, after: { isActive: false } }));
      await repos.history.record(trx, org.id, changes, req.origin, now);
      return { ok: true, id: before.id };
    },
    { timeoutSeconds: req.lockTimeoutSeconds },
  );
  return answer(repos, org.id, outcome);
}
