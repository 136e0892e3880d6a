/**
 * /v1/organizations/{org}/departments: create (the seed contract), list, get, tree.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { createDepartment } from '../../../app/createDepartment.js';
import { buildTree, treeJson } from '../../../core/tree.js';
import { departmentByRef } from '../../../app/departmentWrites.js';
import { departmentListing, departmentPage } from '../../../app/organizations.js';
import type { DepartmentView } from '../../../app/ports.js';
import { organizationFor } from '../auth.js';
import type { AppDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { issueToApiError, toApiDepartment } from '../presenters.js';
import { commonErrors, ErrorEnvelope, OrgParams } from '../schemas/common.js';
import {
  CreateDepartmentBody,
  CreateDepartmentQuery,
  Department,
  DepartmentList,
  DepartmentParams,
  DepartmentTree,
  type DepartmentTreeBody,
  ListDepartmentsQuery,
  TreeQuery,
} from '../schemas/departments.js';

const TAGS = ['Departments'];

/** A department's JSON object without its closing brace, for treeJson; fails loudly if it breaks the documented shape. */
function departmentJsonOpen(d: DepartmentView): string {
  const checked = Department.safeParse(toApiDepartment(d));
  if (!checked.success) throw new Error(`department ${d.id} does not match the Department schema: ${checked.error.message}`);
  return JSON.stringify(checked.data).slice(0, -1);
}
const PARENT_KEYS = ['parent_id', 'parentId', 'parentDepartmentId'] as const;

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
      const parentField = PARENT_KEYS.find((k) => body[k] !== undefined) ?? 'parent_id';
      const result = await createDepartment(deps.repos, {
        organization: org,
        fields: body,
        maxDepth: request.query.maxDepth,
        lockTimeoutSeconds: deps.config.database.lockTimeoutSeconds,
        ...(request.principal ? { actor: request.principal.tokenId } : {}),
        requestId: String(request.id),
      });
      if (!result.ok) throw issueToApiError(result.issues[0]!, result.fields, { field: parentField, value: body[parentField] ?? null });
      const d = result.department;
      request.log.info({ department_id: d.id, organization_id: org.id }, 'department created');
      return reply
        .code(201)
        .header('location', `/v1/organizations/${encodeURIComponent(org.code)}/departments/${d.id}`)
        .send(toApiDepartment({ ...d, createdAt: result.createdAt, updatedAt: result.createdAt, hasChildren: false }));
    },
  );

  r.get(
    '/organizations/:org/departments',
    {
      schema: {
        tags: TAGS,
        summary: 'List departments',
        description: 'A page of departments sorted by name, optionally only the children of one department and/or only (in)active ones.',
        params: OrgParams,
        querystring: ListDepartmentsQuery,
        response: { 200: DepartmentList, ...commonErrors },
      },
    },
    async (request) => {
      const org = await organizationFor(request, deps.repos, request.params.org);
      const { limit, offset, parent_id, is_active } = request.query;
      const parentId = parent_id === undefined ? undefined : parent_id === 'root' ? null : parent_id;
      const page = await departmentPage(deps.repos, org.id, { parentId, isActive: is_active }, { limit, offset });
      return {
        data: page.items.map(toApiDepartment),
        pagination: { total: page.total, limit, offset, has_more: offset + page.items.length < page.total },
      };
    },
  );

  r.get(
    '/organizations/:org/departments/tree',
    {
      schema: {
        tags: TAGS,
        summary: 'Get the department tree',
        description: 'Every department, nested under its parent; siblings sorted by name.',
        params: OrgParams,
        querystring: TreeQuery,
        response: { 200: DepartmentTree, ...commonErrors },
      },
    },
    async (request, reply) => {
      const org = await organizationFor(request, deps.repos, request.params.org);
      const all = await departmentListing(deps.repos, org.id);
      const activeOnly = request.query.is_active === true;
      // Written as text with an explicit stack: the schema serializer recursed
      // once per level and overflowed the stack from depth ~700 (a 500).
      // Each node is still checked against the documented Department shape.
      const data = treeJson(buildTree(all), (n) => departmentJsonOpen(n.department as DepartmentView), (n) => !activeOnly || n.department.isActive);
      return reply.type('application/json; charset=utf-8').send(`{"data":${data}}` as unknown as DepartmentTreeBody);
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
