/**
 * Creating one department through the HTTP API, with exactly the importer's
 * rules: the request body is normalised by normaliseRecord (same vocabulary,
 * same field parsers) and planned by planImport as a one-row import. Name,
 * code and openDepartmentId conflicts, parent resolution (departmentIdType),
 * depth limits and cycles therefore come from one source of truth.
 *
 * What it costs does not depend on the organization's size: the planner
 * reads the stored departments through a lookup (core/plan/storedLookup.ts)
 * that holds only the rows it can ask about, fetched by two indexed queries
 * (adapters/db/departmentLookup.ts), with the parent share-locked. It runs
 * under the organization's lock in shared mode (`withDepartmentWrite`),
 * which keeps it out of an import's way without queueing it behind other API
 * writes; so two requests may race for one name or code, and the database's
 * unique indexes decide: the loser's duplicate-key error is the same
 * conflict code the planner gives. On MySQL/MariaDB the adapter runs the
 * same steps, lock included, in two round trips of its own
 * (departmentLookup.create, adapters/db/departmentCreate.ts): the plan
 * (`decide`) is this file's either way.
 */
import type { RowIssue } from '../core/errors.js';
import type { DepartmentFields, Organization, SourceRecord, StoredDepartment } from '../core/model.js';
import { normaliseRecord } from '../core/normalise/normaliseRow.js';
import { mapColumns } from '../core/normalise/vocabulary.js';
import { lookupKeysOf, partialLookup, planImport } from '../core/plan/index.js';
import { changesOfPlan, UNKNOWN_ACTOR } from '../core/history/changes.js';
import { newDepartmentId } from '../ids.js';
import type { CreateDecision, Repositories } from './ports.js';

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

type ConflictField = 'name' | 'code' | 'openDepartmentId';
type Ports = Pick<Repositories, 'departmentLookup' | 'lock'> & Partial<Pick<Repositories, 'history'>>;

export async function createDepartment({ departmentLookup, lock, history }: Ports, req: CreateDepartmentRequest): Promise<CreateDepartmentResult> {
  // Null prototype, as readers produce: a `__proto__` key is plain data.
  const values: Record<string, unknown> = Object.assign(Object.create(null) as object, req.fields);
  const record: SourceRecord = { row: 1, values };
  // departmentIdType defaults to department_id, as in the Authing API.
  const row = normaliseRecord(record, mapColumns(Object.keys(values)), { parentRef: 'id' });
  const fields = row.row.fields;
  if (row.issues.length > 0) return { ok: false, issues: row.issues, fields };
  // An import's row id names a stored department to update; a new department's id is the server's to give.
  if (row.row.id !== undefined) {
    return { ok: false, issues: [{ row: 1, code: 'INVALID_FIELD', field: 'id', message: "a new department's id is assigned by the server; leave id out" }], fields };
  }
  const keys = lookupKeysOf(row.row);
  const org = req.organization;
  const origin = { runId: null, requestId: req.requestId ?? null, actor: req.actor ?? UNKNOWN_ACTOR };

  // The plan from what was read: the parents (share-locked) and the candidates.
  const decide = (fetched: StoredDepartment[]): CreateDecision<CreateDepartmentResult> => {
    // matchBy 'id' with no id on the row: the row never matches (and so never
    // updates) a stored department; a clash on name, code or openDepartmentId
    // is reported as a conflict instead.
    const plan = planImport({
      organization: org,
      rows: [row],
      stored: partialLookup(fetched),
      options: { mode: 'upsert', matchBy: 'id', maxDepth: req.maxDepth },
      newId: newDepartmentId,
    });
    if (plan.errors.length > 0) return { result: { ok: false, issues: plan.errors, fields } };
    const created = plan.creates[0];
    if (plan.creates.length !== 1 || !created || plan.updates.length > 0) {
      throw new Error(`createDepartment: expected one create, got ${plan.creates.length} creates and ${plan.updates.length} updates`);
    }
    const now = new Date();
    return {
      result: { ok: true, department: created, createdAt: now.toISOString() },
      insert: { department: created, changes: history ? changesOfPlan(plan) : [], origin, now },
    };
  };
  const lost = (conflict: ConflictField, created: StoredDepartment): CreateDepartmentResult => ({ ok: false, issues: [conflictIssue(conflict, created, org)], fields });

  // The adapter's own create when it has one (MySQL/MariaDB: two round trips), else step by step.
  if (departmentLookup.create) {
    const { decision, conflict } = await departmentLookup.create(org, keys, decide, { timeoutSeconds: req.lockTimeoutSeconds });
    return conflict && decision.insert ? lost(conflict, decision.insert.department) : decision.result;
  }
  return lock.withDepartmentWrite(
    org.code,
    async (trx) => {
      const parents = await departmentLookup.lockParents(trx, org.id, keys);
      const { result, insert } = decide(await departmentLookup.candidates(trx, org, keys, parents));
      if (!insert) return result;
      const { conflict } = await departmentLookup.insert(trx, org, insert.department, insert.now);
      if (conflict) return lost(conflict, insert.department);
      await history?.record(trx, org.id, insert.changes, origin, insert.now);
      return result;
    },
    { timeoutSeconds: req.lockTimeoutSeconds },
  );
}

/** A unique index's refusal, as the planner words the same conflict (uniqueness.ts). */
function conflictIssue(field: ConflictField, d: StoredDepartment, org: Organization): RowIssue {
  const by = 'another department (created at the same time)';
  if (field === 'code') return { row: 1, code: 'DUPLICATE_CODE', field, message: `code "${d.code}" is already used by ${by}` };
  if (field === 'openDepartmentId') {
    return { row: 1, code: 'DUPLICATE_OPEN_DEPARTMENT_ID', field, message: `openDepartmentId "${d.openDepartmentId}" is already used by ${by}` };
  }
  const where = org.nameScope === 'organization' ? 'in the organization' : 'under the same parent';
  return { row: 1, code: 'DEPARTMENT_NAME_CONFLICT', field, message: `a department named "${d.name}" already exists ${where} (${by})` };
}
