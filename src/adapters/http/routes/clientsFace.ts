/**
 * The clients API face (seed 001): /v2/clients/{client_id}/departments and
 * its list/get/update/delete siblings, as a thin face over the department
 * operations /v1 uses (createDepartment, departmentByRef, updateDepartment,
 * deactivateDepartment, listDepartments): same rules, same codes, its own
 * paths, fields, statuses and envelope (clientsFacePresenter.ts).
 *
 * client_id is the organization (code or id). Unlike /v1, and as the
 * document says, a client the token may not act on is 403 and a client that
 * does not exist is 404. A deleted department is deactivated (rows are never
 * deleted), and from then on this face answers 404 for it and lists it no more.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { createDepartment } from '../../../app/createDepartment.js';
import { deactivateDepartment, departmentByRef, type DepartmentWriteResult, updateDepartment } from '../../../app/departmentWrites.js';
import { listDepartments } from '../../../app/listDepartments.js';
import { findOrganization } from '../../../app/organizations.js';
import type { DepartmentView, Repositories } from '../../../app/ports.js';
import { UNKNOWN_ACTOR } from '../../../core/history/changes.js';
import type { Organization } from '../../../core/model.js';
import type { InputField } from '../../../core/normalise/vocabulary.js';
import { mayAccess, principalOf } from '../auth.js';
import { toClientsDepartment } from '../clientsFacePresenter.js';
import type { AppDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { checkBodyKeys, withCanonicalKeys } from '../faceBody.js';
import { issueToApiError } from '../presenters.js';
import {
  ClientDepartmentParams,
  ClientParams,
  clientsErrors,
  ClientsCreateDepartmentBody,
  ClientsDepartment,
  ClientsDepartmentList,
  ClientsErrorBody,
  ClientsListQuery,
  ClientsUpdateDepartmentBody,
} from '../schemas/clientsFace.js';

const TAGS = ['Clients API face'];
/** The fields of the document's Department a body may set. */
const FIELDS: ReadonlySet<InputField> = new Set(['name', 'description']);

/** The client in the path, if the token may act on it: 404 when there is no such client, 403 when it is another's. */
async function clientFor(request: FastifyRequest, repos: Pick<Repositories, 'organizations'>, ref: string): Promise<Organization> {
  const principal = principalOf(request);
  // The token's own organization was read with the token (auth.ts): no second query for it.
  const own = request.tokenOrganization;
  const org = own && (own.code === ref || own.id === ref) ? own : await findOrganization(repos, ref);
  if (!org) throw new ApiError(404, 'ORGANIZATION_NOT_FOUND', `No client "${ref}".`, { client_id: ref });
  if (!mayAccess(principal, org.id)) throw new ApiError(403, 'CLIENT_ACCESS_DENIED', `This token may not act on client "${ref}".`, { client_id: ref });
  return org;
}

function clientOf(request: FastifyRequest): Organization {
  if (!request.organization) throw new Error('clients face: the client was not resolved by the onRequest hook');
  return request.organization;
}

const notFound = (id: string) => new ApiError(404, 'DEPARTMENT_NOT_FOUND', `No department ${id}.`, { department_id: id });

/** A department this face shows: it exists in the client and is active (a deleted one is gone here). */
async function shownDepartment(deps: AppDeps, org: Organization, ref: string): Promise<DepartmentView> {
  const found = await departmentByRef(deps.repos, org.id, ref);
  if (!found || !found.isActive) throw notFound(ref);
  return found;
}

function refusal(result: Exclude<DepartmentWriteResult, { ok: true }>, id: string): ApiError {
  if (result.code === 'INVALID') return issueToApiError(result.issues[0]!, result.fields, { field: 'name', value: null });
  const message = result.code === 'DEPARTMENT_NOT_FOUND' ? `No department ${id}.` : `The department ${id} cannot be changed so (${result.code}).`;
  return new ApiError(result.code === 'DEPARTMENT_NOT_FOUND' ? 404 : 409, result.code, message, { department_id: id });
}

function origin(request: FastifyRequest) {
  return { runId: null, requestId: String(request.id), actor: request.principal?.tokenId ?? UNKNOWN_ACTOR };
}

export function clientsFaceRoutes(scope: FastifyInstance, deps: AppDeps): void {
  // After the bearer-token hook (registered first on the scope), before any body is read.
  scope.addHook('onRequest', async (request) => {
    const ref = (request.params as Record<string, unknown> | undefined)?.client_id;
    if (typeof ref === 'string') request.organization = await clientFor(request, deps.repos, ref);
  });
  const r = scope.withTypeProvider<ZodTypeProvider>();

  r.post(
    '/:client_id/departments',
    {
      schema: {
        tags: TAGS,
        summary: 'Create Department',
        description: 'Creates a new department within a client organization. Returns the created Department object with status 201 Created.',
        params: ClientParams,
        body: ClientsCreateDepartmentBody,
        response: { 201: ClientsDepartment, ...clientsErrors, 409: ClientsErrorBody, 413: ClientsErrorBody, 415: ClientsErrorBody, 503: ClientsErrorBody },
      },
    },
    async (request, reply) => {
      const org = clientOf(request);
      checkBodyKeys(request.body, FIELDS);
      const result = await createDepartment(deps.repos, {
        organization: org,
        fields: request.body,
        lockTimeoutSeconds: deps.config.database.lockTimeoutSeconds,
        actor: principalOf(request).tokenId,
        requestId: String(request.id),
      });
      if (!result.ok) throw issueToApiError(result.issues[0]!, result.fields, { field: 'name', value: null });
      const d = result.department;
      return reply
        .code(201)
        .header('location', `/v2/clients/${encodeURIComponent(request.params.client_id)}/departments/${d.id}`)
        .send(toClientsDepartment({ ...d, createdAt: result.createdAt, updatedAt: result.createdAt }));
    },
  );

  r.get(
    '/:client_id/departments',
    {
      schema: {
        tags: TAGS,
        summary: 'List Departments',
        description: 'Browse the client\'s departments (deleted ones are not listed), a page at a time: pass `next_cursor` back as `cursor`.',
        params: ClientParams,
        querystring: ClientsListQuery,
        response: { 200: ClientsDepartmentList, ...clientsErrors },
      },
    },
    async (request) => {
      const { limit, cursor, name } = request.query;
      const page = await listDepartments(deps.repos, clientOf(request).id, { isActive: true, limit, ...(cursor ? { cursor } : {}), ...(name ? { name } : {}) });
      return { data: page.items.map(toClientsDepartment), has_more: page.nextCursor !== null, next_cursor: page.nextCursor };
    },
  );

  r.get(
    '/:client_id/departments/:department_id',
    {
      schema: {
        tags: TAGS,
        summary: 'Get Department',
        description: 'View a department by ID.',
        params: ClientDepartmentParams,
        response: { 200: ClientsDepartment, ...clientsErrors },
      },
    },
    async (request) => toClientsDepartment(await shownDepartment(deps, clientOf(request), request.params.department_id)),
  );

  r.patch(
    '/:client_id/departments/:department_id',
    {
      schema: {
        tags: TAGS,
        summary: 'Update Department',
        description: 'Edit name or description. The name stays unique within the client (409 otherwise).',
        params: ClientDepartmentParams,
        body: ClientsUpdateDepartmentBody,
        response: { 200: ClientsDepartment, ...clientsErrors, 409: ClientsErrorBody, 413: ClientsErrorBody, 415: ClientsErrorBody, 503: ClientsErrorBody },
      },
    },
    async (request) => {
      const org = clientOf(request);
      checkBodyKeys(request.body, FIELDS);
      const { id } = await shownDepartment(deps, org, request.params.department_id);
      const result = await updateDepartment(deps.repos, {
        organization: org,
        id,
        fields: withCanonicalKeys(request.body, FIELDS),
        lockTimeoutSeconds: deps.config.database.lockTimeoutSeconds,
        origin: origin(request),
      });
      if (!result.ok) throw refusal(result, request.params.department_id);
      return toClientsDepartment(result.department);
    },
  );

  r.delete(
    '/:client_id/departments/:department_id',
    {
      schema: {
        tags: TAGS,
        summary: 'Delete Department',
        description:
          'Removes the department from the client: it is deactivated (its history is kept) and this API no longer shows it. ' +
          'Refused with 409 while it has sub-departments. Answers 204 No Content.',
        params: ClientDepartmentParams,
        response: { 204: z.null().describe('Deleted: no body.'), ...clientsErrors, 409: ClientsErrorBody, 503: ClientsErrorBody },
      },
    },
    async (request, reply) => {
      const org = clientOf(request);
      const { id } = await shownDepartment(deps, org, request.params.department_id);
      const result = await deactivateDepartment(deps.repos, {
        organization: org,
        id,
        cascade: false,
        lockTimeoutSeconds: deps.config.database.lockTimeoutSeconds,
        origin: origin(request),
      });
      if (!result.ok) throw refusal(result, request.params.department_id);
      return reply.code(204).send(null);
    },
  );
}
