/**
 * Creating one department through the HTTP API, with exactly the importer's
 * rules: the request body is normalised by normaliseRecord (same vocabulary,
 * same field parsers) and planned by planImport as a one-row import against
 * the organization's stored departments, under the organization's lock. Name,
 * code and openDepartmentId conflicts, parent resolution (departmentIdType),
 * depth limits and cycles therefore come from one source of truth.
 */
import type { RowIssue } from '../core/errors.js';
import type { DepartmentFields, Organization, SourceRecord, StoredDepartment } from '../core/model.js';
import { normaliseRecord } from '../core/normalise/normaliseRow.js';
import { mapColumns } from '../core/normalise/vocabulary.js';
import { planImport } from '../core/plan/index.js';
import { changesOfPlan, UNKNOWN_ACTOR } from '../core/history/changes.js';
import { newDepartmentId } from '../ids.js';
import type { Repositories } from './ports.js';

export interface CreateDepartmentRequest {
  organization: Organization;
  /** The request's fields, named as any of the importer's vocabularies name them. */
  fields: Record<string, unknown>;
  /** Maximum number of levels, as the importer's --max-depth. */
  maxDepth?: number;
  lockTimeoutSeconds: number;
  /** The department history's origin of the change: the token id and the HTTP request id (no run). */
  actor?: string;
  requestId?: string;
}

export type CreateDepartmentResult =
  | { ok: true; department: StoredDepartment; createdAt: string }
  /** `fields`: the values as normalised, so a caller can name the conflicting one. */
  | { ok: false; issues: RowIssue[]; fields: Partial<DepartmentFields> };

export async function createDepartment(
  { departments, lock, history }: Pick<Repositories, 'departments' | 'lock'> & Partial<Pick<Repositories, 'history'>>,
  req: CreateDepartmentRequest,
): Promise<CreateDepartmentResult> {
  // Null prototype, as readers produce: a `__proto__` key is plain data.
  const values: Record<string, unknown> = Object.assign(Object.create(null) as object, req.fields);
  const record: SourceRecord = { row: 1, values };
  // departmentIdType defaults to department_id, as in the Authing API.
  const row = normaliseRecord(record, mapColumns(Object.keys(values)), { parentRef: 'id' });
  const fields = row.row.fields;
  if (row.issues.length > 0) return { ok: false, issues: row.issues, fields };

  return lock.withOrganizationLock(
    req.organization.code,
    async (trx) => {
      const stored = await departments.loadForOrganization(req.organization.id, trx);
      // matchBy 'id' with no id on the row: the row never matches (and so never
      // updates) a stored department; a clash on name, code or openDepartmentId
      // is reported as a conflict instead.
      const plan = planImport({
        organization: req.organization,
        rows: [row],
        stored,
        options: { mode: 'upsert', matchBy: 'id', maxDepth: req.maxDepth },
        newId: newDepartmentId,
      });
      if (plan.errors.length > 0) return { ok: false as const, issues: plan.errors, fields };
      const created = plan.creates[0];
      if (plan.creates.length !== 1 || !created || plan.updates.length > 0) {
        throw new Error(`createDepartment: expected one create, got ${plan.creates.length} creates and ${plan.updates.length} updates`);
      }
      const now = new Date();
      await departments.applyPlan(trx, req.organization, plan, { runId: null, now });
      await history?.record(trx, req.organization.id, changesOfPlan(plan), { runId: null, requestId: req.requestId ?? null, actor: req.actor ?? UNKNOWN_ACTOR }, now);
      return { ok: true as const, department: created, createdAt: now.toISOString() };
    },
    { timeoutSeconds: req.lockTimeoutSeconds },
  );
}
