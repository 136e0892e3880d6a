/**
 * The HR app face (seed 002): `POST /department/new`, admin only, as a thin
 * face over createDepartment (the importer's rules and codes), with the
 * document's body, `200 { message, data: { department } }` and envelope
 * (hrFacePresenter.ts).
 *
 * The organization comes from the token: only an organization token with the
 * `admin` role may call it (`orgsync token create --org X --role admin`);
 * anything else is 401 UNAUTHORIZED, as the document says. The global
 * operator token (`--admin`) names no organization, so it is refused too
 * (401, saying so): an operator creates an organization admin token instead.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { createDepartment } from '../../../app/createDepartment.js';
import { departmentById } from '../../../app/organizations.js';
import type { Repositories } from '../../../app/ports.js';
import type { Organization } from '../../../core/model.js';
import type { InputField } from '../../../core/normalise/vocabulary.js';
import { principalOf } from '../auth.js';
import type { AppDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { checkBodyKeys, keyFor } from '../faceBody.js';
import { HR_UNAUTHORIZED_MESSAGE, toHrDepartment } from '../hrFacePresenter.js';
import { issueToApiError } from '../presenters.js';
import { HrCreateDepartmentBody, HrCreatedDepartment, HrErrorBody } from '../schemas/hrFace.js';

const TAGS = ['HR app face'];
const PARENT_FIELDS: ReadonlySet<InputField> = new Set(['parent', 'parentCode']);
/** The document's fields (and the parent by code, the importer's parentCode). */
const FIELDS: ReadonlySet<InputField> = new Set(['name', 'description', 'code', 'location', ...PARENT_FIELDS]);

/** The organization of the request's token, if it is an organization admin token; otherwise 401. */
async function adminOrganization(request: FastifyRequest, repos: Pick<Repositories, 'organizations'>): Promise<Organization> {
  const principal = principalOf(request);
  if (principal.organizationId === null) {
    throw new ApiError(401, 'OPERATOR_TOKEN_HAS_NO_ORGANIZATION', 'The operator token names no organization.');
  }
  if (principal.role !== 'admin') throw new ApiError(401, 'ORGANIZATION_ADMIN_REQUIRED', HR_UNAUTHORIZED_MESSAGE);
  // Read with the token by the auth hook (one statement); looked up only if it was not.
  const own = request.tokenOrganization;
  const org = own?.id === principal.organizationId ? own : await repos.organizations.findById(principal.organizationId);
  if (!org) throw new ApiError(401, 'ORGANIZATION_ADMIN_REQUIRED', HR_UNAUTHORIZED_MESSAGE);
  return org;
}

export function hrFaceRoutes(scope: FastifyInstance, deps: AppDeps): void {
  // After the bearer-token hook (registered first on the scope), before any body is read.
  scope.addHook('onRequest', async (request) => {
    request.organization = await adminOrganization(request, deps.repos);
  });
  const r = scope.withTypeProvider<ZodTypeProvider>();

  r.post(
    '/new',
    {
      schema: {
        tags: TAGS,
        summary: 'Create a new department',
        description:
          'Admin-only endpoint to create a new department in the organization of the token (an organization token with the admin role). ' +
          'Names are unique within the organization; a sub-department needs its parent to exist.',
        body: HrCreateDepartmentBody,
        response: { 200: HrCreatedDepartment, 400: HrErrorBody, 401: HrErrorBody, 413: HrErrorBody, 415: HrErrorBody, 429: HrErrorBody, 500: HrErrorBody, 503: HrErrorBody },
      },
    },
    async (request) => {
      const org = request.organization!;
      const body = request.body;
      checkBodyKeys(body, FIELDS);
      const result = await createDepartment(deps.repos, {
        organization: org,
        fields: body,
        lockTimeoutSeconds: deps.config.database.lockTimeoutSeconds,
        actor: principalOf(request).tokenId,
        requestId: String(request.id),
      });
      if (!result.ok) {
        const parentKey = keyFor(body, PARENT_FIELDS) ?? 'parentId';
        throw issueToApiError(result.issues[0]!, result.fields, { field: parentKey, value: body[parentKey] ?? null });
      }
      const d = result.department;
      const parent = d.parentId === null ? undefined : await departmentById(deps.repos, org.id, d.parentId);
      return {
        message: 'Department created successfully',
        data: { department: toHrDepartment({ ...d, createdAt: result.createdAt, updatedAt: result.createdAt }, parent) },
      };
    },
  );
}
