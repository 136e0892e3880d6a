/**
 * POST /v1/organizations/{org}/departments/{id}/reparent: moves a department
 * and its subtree (app/reparentDepartment.ts); 200 with the full department.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { reparentDepartment } from '../../../app/reparentDepartment.js';
import { organizationFor } from '../auth.js';
import type { AppDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { toApiDepartment } from '../presenters.js';
import { commonErrors, ErrorEnvelope } from '../schemas/common.js';
import { Department, DepartmentParams } from '../schemas/departments.js';
import { ReparentBody, ReparentQuery } from '../schemas/reparent.js';

const STATUS = {
  DEPARTMENT_NOT_FOUND: 404,
  PARENT_NOT_FOUND: 404,
  CYCLE_DETECTED: 409,
  DEPTH_EXCEEDED: 400,
  PARENT_INACTIVE: 409,
  DEPARTMENT_NAME_CONFLICT: 409,
} as const;

export function reparentRoutes(app: FastifyInstance, deps: AppDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.post(
    '/organizations/:org/departments/:id/reparent',
    {
      schema: {
        tags: ['Departments'],
        summary: 'Move a department and its subtree',
        description: 'Moves the department under another parent (or to the top level); every descendant keeps its place under it.',
        params: DepartmentParams,
        querystring: ReparentQuery,
        body: ReparentBody,
        response: { 200: Department, ...commonErrors, 409: ErrorEnvelope },
      },
    },
    async (request) => {
      const org = await organizationFor(request, deps.repos, request.params.org);
      const { id } = request.params;
      const result = await reparentDepartment(deps.repos, {
        organization: org,
        departmentId: id,
        parentRef: request.body.parent_id,
        parentIdType: request.body.departmentIdType,
        maxDepth: request.query.maxDepth,
        lockTimeoutSeconds: deps.config.database.lockTimeoutSeconds,
        ...(request.principal ? { actor: request.principal.tokenId } : {}),
        requestId: String(request.id),
      });
      if (!result.ok) throw new ApiError(STATUS[result.code], result.code, result.message, { field: 'parent_id', parent_id: request.body.parent_id });
      const view = await deps.repos.departmentReads.get(org.id, id);
      if (!view) throw new ApiError(404, 'DEPARTMENT_NOT_FOUND', `No department ${id} in organization "${org.code}".`, { id });
      return toApiDepartment(view);
    },
  );
}
