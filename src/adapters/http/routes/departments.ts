/**
 * /v1/organizations/{org}/departments: create (the seed contract) and get. List and tree: departmentListing.ts.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { createDepartment } from '../../../app/createDepartment.js';
import { fieldForColumn } from '../../../core/normalise/vocabulary.js';
import { departmentByRef } from '../../../app/departmentWrites.js';
import { organizationFor } from '../auth.js';
import type { AppDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { issueToApiError, toApiDepartment } from '../presenters.js';
import { commonErrors, ErrorEnvelope, OrgParams } from '../schemas/common.js';
import {
  CreateDepartmentBody,
  CreateDepartmentQuery,
  Department,
  DepartmentParams,
  NoQuery,
} from '../schemas/departments.js';

const TAGS = ['Departments'];

/** The importer's fields that name a parent: the body key carrying one is the field a parent error names. */
const PARENT_FIELDS: ReadonlySet<string> = new Set(['parent', 'parentCode', 'parentOpenDepartmentId']);

export function departmentRoutes(app: FastifyInstance, deps: AppDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post(
    '/organizations/:org/departments',
    {
      bodyLimit: deps.config.http.jsonBodyLimit,
      schema: {
        tags: TAGS,
        summary: 'Create a department',
        description:
          'Creates one department, validated exactly as an imported row would be: the name must be unique in the organization ' +
          '(or among siblings), code and openDepartmentId unique, and the parent must exist.',
        params: OrgParams,
        querystring: CreateDepartmentQuery,
        body: CreateDepartmentBody,
        response: { 201: Department, ...commonErrors, 409: ErrorEnvelope, 413: ErrorEnvelope, 415: ErrorEnvelope },
      },
    },
    async (request, reply) => {
      const org = await organizationFor(request, deps.repos, request.params.org);
      const body = request.body;
      const result = await createDepartment(deps.repos, {
        organization: org,
        fields: body,
        maxDepth: request.query.maxDepth,
        lockTimeoutSeconds: deps.config.database.lockTimeoutSeconds,
        ...(request.principal ? { actor: request.principal.tokenId } : {}),
        requestId: String(request.id),
      });
      if (!result.ok) {
        // Under whichever alias the client used (`parentCode`, `parentDepartment`...); worked out only for a refusal.
        const parentField = Object.keys(body).find((k) => body[k] !== undefined && PARENT_FIELDS.has(String(fieldForColumn(k)))) ?? 'parent_id';
        throw issueToApiError(result.issues[0]!, result.fields, { field: parentField, value: body[parentField] ?? null });
      }
      const d = result.department;
      // On the request's one log line (requestLog.ts), not a line of its own.
      request.logFields = { event: 'department created', department_id: d.id, organization_id: org.id };
      return reply
        .code(201)
        .header('location', `/v1/organizations/${encodeURIComponent(org.code)}/departments/${d.id}`)
        .send(toApiDepartment({ ...d, createdAt: result.createdAt, updatedAt: result.createdAt, hasChildren: false }));
    },
  );

  r.get(
    '/organizations/:org/departments/:id',
    {
      schema: {
        tags: TAGS,
        summary: 'Retrieve a department',
        description: 'By id, by code (`code:ENG`) or by openDepartmentId (`open:ou_123`).',
        params: DepartmentParams,
        querystring: NoQuery,
        response: { 200: Department, ...commonErrors },
      },
    },
    async (request) => {
      const org = await organizationFor(request, deps.repos, request.params.org);
      // The id, or `code:<code>` / `open:<openDepartmentId>` (app/departmentWrites.ts).
      const found = await departmentByRef(deps.repos, org.id, request.params.id);
      if (!found) throw new ApiError(404, 'DEPARTMENT_NOT_FOUND', `No department ${request.params.id} in organization "${org.code}".`, { id: request.params.id });
      return toApiDepartment(found);
    },
  );
}
