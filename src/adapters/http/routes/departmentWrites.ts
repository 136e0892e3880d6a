/**
 * /v1/organizations/{org}/departments/{id}: update (PATCH) and deactivate
 * (DELETE). Both answer the whole department object, as GET does. Writes need
 * a write or admin token (the /v1 auth hook refuses read tokens on non-GET).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { deactivateDepartment, type DepartmentWriteResult, updateDepartment } from '../../../app/departmentWrites.js';
import { UNKNOWN_ACTOR } from '../../../core/history/changes.js';
import type { Organization } from '../../../core/model.js';
import { organizationFor } from '../auth.js';
import type { AppDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { issueToApiError, toApiDepartment } from '../presenters.js';
import { commonErrors, ErrorEnvelope } from '../schemas/common.js';
import { DeactivateDepartmentQuery, UpdateDepartmentBody } from '../schemas/departmentWrites.js';
import { Department, DepartmentParams } from '../schemas/departments.js';

const TAGS = ['Departments'];

/** The rule both refusals enforce: an active department never sits under an inactive one. */
function refusal(result: Exclude<DepartmentWriteResult, { ok: true }>, org: Organization, id: string): ApiError {
  switch (result.code) {
    case 'DEPARTMENT_NOT_FOUND':
      return new ApiError(404, 'DEPARTMENT_NOT_FOUND', `No department ${id} in organization "${org.code}".`, { id });
    case 'DEPARTMENT_HAS_CHILDREN':
      return new ApiError(409, 'DEPARTMENT_HAS_CHILDREN', 'The department has active children: deactivate them first, or use ?cascade=true on DELETE.', { id });
    case 'PARENT_INACTIVE':
      return new ApiError(409, 'PARENT_INACTIVE', "The department's parent is inactive: reactivate the parent first.", { id, field: 'is_active' });
    case 'INVALID':
      return issueToApiError(result.issues[0]!, result.fields, { field: 'parent_id', value: null });
  }
}

function origin(request: FastifyRequest) {
  return { runId: null, requestId: String(request.id), actor: request.principal?.tokenId ?? UNKNOWN_ACTOR };
}

export function departmentWriteRoutes(app: FastifyInstance, deps: AppDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.patch(
    '/organizations/:org/departments/:id',
    {
      schema: {
        tags: TAGS,
        summary: 'Update a department',
        description:
          'Changes the given fields, validated exactly as an imported row would be; name (in its scope), code and openDepartmentId stay unique. ' +
          'is_active false is refused while the department has active children; true is refused under an inactive parent.',
        params: DepartmentParams,
        body: UpdateDepartmentBody,
        response: { 200: Department, ...commonErrors, 409: ErrorEnvelope, 413: ErrorEnvelope, 415: ErrorEnvelope },
      },
    },
    async (request) => {
      const org = await organizationFor(request, deps.repos, request.params.org);
      const result = await updateDepartment(deps.repos, {
        organization: org,
        id: request.params.id,
        fields: request.body,
        lockTimeoutSeconds: deps.config.database.lockTimeoutSeconds,
        origin: origin(request),
      });
      if (!result.ok) throw refusal(result, org, request.params.id);
      return toApiDepartment(result.department);
    },
  );

  r.delete(
    '/organizations/:org/departments/:id',
    {
      schema: {
        tags: TAGS,
        summary: 'Deactivate a department',
        description:
          'Deactivates the department (rows are never deleted). Refused while it has active children, unless cascade=true, ' +
          'which deactivates its whole active subtree.',
        params: DepartmentParams,
        querystring: DeactivateDepartmentQuery,
        response: { 200: Department, ...commonErrors, 409: ErrorEnvelope },
      },
    },
    async (request) => {
      const org = await organizationFor(request, deps.repos, request.params.org);
      const result = await deactivateDepartment(deps.repos, {
        organization: org,
        id: request.params.id,
        cascade: request.query.cascade === true,
        lockTimeoutSeconds: deps.config.database.lockTimeoutSeconds,
        origin: origin(request),
      });
      if (!result.ok) throw refusal(result, org, request.params.id);
      return toApiDepartment(result.department);
    },
  );
}
