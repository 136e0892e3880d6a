/**
 * The Authing / GenAuth face (seeds 003 and 004): the v3 management routes the
 * Authing Node SDK's department methods call, as a thin face over the same
 * operations as /v1 (createDepartment, updateDepartment, reparentDepartment,
 * deactivateDepartment, listDepartments). Authentication, the envelope of
 * every failure and its one error table: authingAuth.ts, authingFaceErrors.ts.
 *
 *   POST /api/v3/create-department           createDepartment
 *   GET  /api/v3/get-department              getDepartment
 *   POST /api/v3/update-department           updateDepartment (parentDepartmentId moves it)
 *   POST /api/v3/delete-department           deleteDepartment (deactivates: rows are never deleted)
 *   GET  /api/v3/list-children-departments   listChildrenDepartments
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { createDepartment } from '../../../app/createDepartment.js';
import { deactivateDepartment, type DepartmentWriteOutcome, type DepartmentWriteResult, updateDepartment } from '../../../app/departmentWrites.js';
import { listDepartments } from '../../../app/listDepartments.js';
import { reparentDepartment } from '../../../app/reparentDepartment.js';
import type { DepartmentView, Tx } from '../../../app/ports.js';
import { UNKNOWN_ACTOR } from '../../../core/history/changes.js';
import type { Organization } from '../../../core/model.js';
import { fieldForColumn, type InputField } from '../../../core/normalise/vocabulary.js';
import {
  authingOrganization,
  authingSuccess,
  departmentNotFound,
  findAuthingDepartment,
  parentCodeOf,
  ROOT,
  supportedIdType,
  toAuthingDepartment,
} from '../authingFacePresenter.js';
import type { AppDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { checkBodyKeys, keyFor } from '../faceBody.js';
import { issueToApiError } from '../presenters.js';
import {
  AuthingCreateBody,
  AuthingDeleteBody,
  AuthingDepartmentAnswer,
  AuthingFailure,
  AuthingGetQuery,
  AuthingListAnswer,
  AuthingListChildrenQuery,
  AuthingSuccessAnswer,
  AuthingUpdateBody,
} from '../schemas/authingFace.js';

const TAGS = ['Authing / GenAuth face'];
const SECURITY = [{ authingSignature: [] }];
const failures = { 429: AuthingFailure, 500: AuthingFailure, 503: AuthingFailure };

const DEPARTMENT_FIELDS: readonly InputField[] = ['name', 'description', 'code', 'openDepartmentId', 'location', 'i18n', 'customData', 'isVirtual', 'leaderUserIds', 'postIds', 'color', 'tenantId'];
const CREATE_FIELDS = new Set<InputField>([...DEPARTMENT_FIELDS, 'organization', 'departmentIdType', 'parent', 'parentCode', 'parentOpenDepartmentId']);
const PARENT_FIELDS = new Set<InputField>(['parent', 'parentCode', 'parentOpenDepartmentId']);
const UPDATE_FIELDS = new Set<InputField>([...DEPARTMENT_FIELDS, 'organization', 'departmentIdType', 'parent', 'id', 'isActive']);

/** The importer field → the key updateDepartment reads (app/departmentWrites.ts PATCHABLE_FIELDS). */
const PATCH_KEY: Partial<Record<InputField, string>> = {
  name: 'name',
  description: 'description',
  code: 'code',
  openDepartmentId: 'openDepartmentId',
  location: 'location',
  i18n: 'i18n',
  customData: 'customData',
  isVirtual: 'isVirtualNode',
  leaderUserIds: 'leaderUserIds',
  postIds: 'postIdList',
  color: 'color',
  isActive: 'is_active',
};

/** The body without the keys that are not department data (`metadata` is accepted, not stored). */
function departmentBody(body: Record<string, unknown>): Record<string, unknown> {
  const { metadata: _metadata, ...rest } = body;
  return rest;
}

function origin(request: FastifyRequest) {
  return { runId: null, requestId: String(request.id), actor: request.principal?.tokenId ?? UNKNOWN_ACTOR };
}

function refusal(result: Exclude<DepartmentWriteResult | DepartmentWriteOutcome, { ok: true }>, id: string): ApiError {
  switch (result.code) {
    case 'DEPARTMENT_NOT_FOUND':
      return departmentNotFound(id);
    case 'DEPARTMENT_HAS_CHILDREN':
      return new ApiError(409, result.code, 'The department has active child departments: delete (deactivate) them first.', { field: 'departmentId' });
    case 'PARENT_INACTIVE':
      return new ApiError(409, result.code, "The department's parent is inactive: reactivate the parent first.", { field: 'status' });
    case 'INVALID':
      return issueToApiError(result.issues[0]!, result.fields, { field: 'parentDepartmentId', value: null });
  }
}

export function authingFaceRoutes(deps: AppDeps): (scope: FastifyInstance) => void {
  const repos = deps.repos;
  const lockTimeoutSeconds = deps.config.database.lockTimeoutSeconds;
  const present = async (org: Organization, d: DepartmentView, withCustomData = true) =>
    toAuthingDepartment(org, d, await parentCodeOf(repos, org, d), { withCustomData });
  const reread = async (org: Organization, id: string) => {
    const d = await repos.departmentReads.get(org.id, id);
    if (!d) throw departmentNotFound(id);
    return d;
  };

  return (scope) => {
    const r = scope.withTypeProvider<ZodTypeProvider>();

    r.post(
      '/create-department',
      {
        bodyLimit: deps.config.http.jsonBodyLimit,
        schema: {
          tags: TAGS,
          security: SECURITY,
          summary: 'Create a department (Authing ManagementClient.createDepartment)',
          description: 'Seeds 003/004. Validated exactly as an imported row; answers the DepartmentDto. Refusals: HTTP 200 with statusCode and apiCode.',
          body: AuthingCreateBody,
          response: { 200: AuthingDepartmentAnswer, ...failures },
        },
      },
      async (request) => {
        const body = departmentBody(request.body);
        const org = await authingOrganization(request, repos, request.body.organizationCode);
        checkBodyKeys(body, CREATE_FIELDS);
        supportedIdType(request.body.departmentIdType);
        const parentKey = keyFor(body, PARENT_FIELDS);
        if (parentKey === undefined) {
          throw new ApiError(400, 'VALIDATION_ERROR', 'parentDepartmentId is required (root for a top-level department)', { field: 'parentDepartmentId' });
        }
        const { organizationCode: _org, ...fields } = body;
        const result = await createDepartment(repos, {
          organization: org,
          fields,
          lockTimeoutSeconds,
          actor: request.principal?.tokenId ?? UNKNOWN_ACTOR,
          requestId: String(request.id),
        });
        if (!result.ok) throw issueToApiError(result.issues[0]!, result.fields, { field: parentKey, value: body[parentKey] });
        // On the request's one log line (requestLog.ts), not a line of its own.
        request.logFields = { event: 'department created', department_id: result.department.id, organization_id: org.id };
        return authingSuccess(request, await present(org, await reread(org, result.department.id)));
      },
    );

    r.get(
      '/get-department',
      {
        schema: {
          tags: TAGS,
          security: SECURITY,
          summary: 'Retrieve a department (Authing ManagementClient.getDepartment)',
          description: 'By departmentId (as departmentIdType says) or departmentCode. customData only with withCustomData=true.',
          querystring: AuthingGetQuery,
          response: { 200: AuthingDepartmentAnswer, ...failures },
        },
      },
      async (request) => {
        const q = request.query;
        const org = await authingOrganization(request, repos, q.organizationCode);
        const [value, type] = q.departmentId !== undefined ? [q.departmentId, q.departmentIdType] : [q.departmentCode, 'code' as const];
        if (value === undefined) throw new ApiError(400, 'VALIDATION_ERROR', 'departmentId or departmentCode is required', { field: 'departmentId' });
        const d = await findAuthingDepartment(repos, org, value, type);
        if (!d) throw departmentNotFound(value);
        return authingSuccess(request, await present(org, d, q.withCustomData === true));
      },
    );

    r.post(
      '/update-department',
      {
        bodyLimit: deps.config.http.jsonBodyLimit,
        schema: {
          tags: TAGS,
          security: SECURITY,
          summary: 'Update a department (Authing ManagementClient.updateDepartment)',
          description:
            'Changes the given fields with the importer\'s rules; status false deactivates, true reactivates; parentDepartmentId moves the ' +
            'department with its subtree. The move and the field changes are one transaction (fields checked against the new parent): ' +
            'a refusal of either writes nothing.',
          body: AuthingUpdateBody,
          response: { 200: AuthingDepartmentAnswer, ...failures },
        },
      },
      async (request) => {
        const body = departmentBody(request.body);
        const org = await authingOrganization(request, repos, request.body.organizationCode);
        checkBodyKeys(body, UPDATE_FIELDS);
        const idType = supportedIdType(request.body.departmentIdType);
        const target = await findAuthingDepartment(repos, org, request.body.departmentId, idType);
        if (!target) throw departmentNotFound(request.body.departmentId);
        const parentRef = request.body.parentDepartmentId;
        const moving = parentRef !== undefined && parentRef !== (target.parentId ?? ROOT);
        const fields: Record<string, unknown> = {};
        for (const [key, value] of Object.entries(body)) {
          const field = fieldForColumn(key);
          const patchKey = field === undefined || field === 'ignored' ? undefined : PATCH_KEY[field];
          if (patchKey !== undefined) fields[patchKey] = value;
        }
        const changing = Object.keys(fields).length > 0;
        // The move, then the fields (their checks see the new parent), in one
        // transaction: a refusal of either is thrown, which rolls back both.
        if (moving || changing) {
          const write = async (trx: Tx) => {
            const update = async () => {
              const result = await updateDepartment(repos, { organization: org, id: target.id, fields, lockTimeoutSeconds, origin: origin(request) }, trx);
              if (!result.ok) throw refusal(result, request.body.departmentId);
            };
            if (moving) {
              const move = () =>
                reparentDepartment(
                  repos,
                  { organization: org, departmentId: target.id, parentRef, parentIdType: idType, lockTimeoutSeconds, actor: origin(request).actor, requestId: String(request.id) },
                  trx,
                );
              let moved = await move();
              // The old name taken among the new siblings, and the request renames it: the
              // rename first (the refused move wrote nothing: its first statement failed).
              const renameFirst = !moved.ok && moved.code === 'DEPARTMENT_NAME_CONFLICT' && 'name' in fields;
              if (renameFirst) {
                await update();
                moved = await move();
              }
              if (!moved.ok) throw new ApiError(409, moved.code, moved.message, { field: 'parentDepartmentId' });
              if (renameFirst) return;
            }
            if (changing) await update();
          };
          await repos.lock.withDepartmentWrite(org.code, write, { timeoutSeconds: lockTimeoutSeconds });
        }
        return authingSuccess(request, await present(org, await reread(org, target.id)));
      },
    );

    r.post(
      '/delete-department',
      {
        schema: {
          tags: TAGS,
          security: SECURITY,
          summary: 'Delete a department (Authing ManagementClient.deleteDepartment)',
          description: 'Deactivates the department (orgsync never deletes rows); refused (409, apiCode 40904) while it has active children.',
          body: AuthingDeleteBody,
          response: { 200: AuthingSuccessAnswer, ...failures },
        },
      },
      async (request) => {
        const org = await authingOrganization(request, repos, request.body.organizationCode);
        const target = await findAuthingDepartment(repos, org, request.body.departmentId, request.body.departmentIdType);
        if (!target) throw departmentNotFound(request.body.departmentId);
        const result = await deactivateDepartment(repos, { organization: org, id: target.id, cascade: false, lockTimeoutSeconds, origin: origin(request) });
        if (!result.ok) throw refusal(result, request.body.departmentId);
        return authingSuccess(request, { success: true });
      },
    );

    r.get(
      '/list-children-departments',
      {
        schema: {
          tags: TAGS,
          security: SECURITY,
          summary: 'List child departments (Authing ManagementClient.listChildrenDepartments)',
          description:
            'The direct children of departmentId (`root`: the top level), in name order, a page of up to `limit` (default 200); ' +
            'data.nextCursor continues. Virtual-node filters apply within the page.',
          querystring: AuthingListChildrenQuery,
          response: { 200: AuthingListAnswer, ...failures },
        },
      },
      async (request) => {
        const q = request.query;
        const org = await authingOrganization(request, repos, q.organizationCode);
        let parent: DepartmentView | null = null;
        supportedIdType(q.departmentIdType);
        if (q.departmentId !== ROOT) {
          const found = await findAuthingDepartment(repos, org, q.departmentId, q.departmentIdType);
          if (!found) throw departmentNotFound(q.departmentId);
          parent = found;
        }
        const page = await listDepartments(repos, org.id, {
          parentId: parent?.id ?? null,
          ...(q.status !== undefined ? { isActive: q.status } : {}),
          limit: q.limit ?? 200,
          ...(q.cursor !== undefined ? { cursor: q.cursor } : {}),
        });
        const parentCode = parent === null ? ROOT : (parent.code ?? '');
        const list = page.items
          .filter((d) => !(q.excludeVirtualNode === true && d.isVirtual) && !(q.onlyVirtualNode === true && !d.isVirtual))
          .map((d) => toAuthingDepartment(org, d, parentCode, { withCustomData: q.withCustomData === true }));
        return authingSuccess(request, { totalCount: list.length, list, nextCursor: page.nextCursor });
      },
    );
  };
}
