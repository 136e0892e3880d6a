/**
 * /v1/organizations/{org}/departments (the list, keyset-paginated) and
 * /departments/tree (streamed). Both cost what they return, not the size of
 * the organization (app/listDepartments.ts, app/departmentTree.ts).
 */
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { departmentTreeJson } from '../../../app/departmentTree.js';
import { departmentByRef } from '../../../app/departmentWrites.js';
import { listDepartments } from '../../../app/listDepartments.js';
import type { DepartmentView } from '../../../app/ports.js';
import { organizationFor } from '../auth.js';
import type { AppDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { toApiDepartment } from '../presenters.js';
import { commonErrors, OrgParams } from '../schemas/common.js';
import { Department, DepartmentList, DepartmentTree, type DepartmentTreeBody, ListDepartmentsQuery, TreeQuery } from '../schemas/departments.js';

const TAGS = ['Departments'];

/** A department's JSON object without its closing brace, for the tree writer; fails loudly if it breaks the documented shape. */
function departmentJsonOpen(d: DepartmentView): string {
  const checked = Department.safeParse(toApiDepartment(d));
  if (!checked.success) throw new Error(`department ${d.id} does not match the Department schema: ${checked.error.message}`);
  return JSON.stringify(checked.data).slice(0, -1);
}

/** `{"data":[...]}` in pieces; the first piece is read before answering, so a failure up to the first rows is still an error envelope. */
async function treeBody(pieces: AsyncGenerator<string>): Promise<Readable> {
  const first = await pieces.next();
  async function* body(): AsyncGenerator<string> {
    yield '{"data":';
    if (!first.done) yield first.value;
    yield* pieces;
    yield '}';
  }
  return Readable.from(body(), { objectMode: false });
}

export function departmentListingRoutes(app: FastifyInstance, deps: AppDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/organizations/:org/departments',
    {
      schema: {
        tags: TAGS,
        summary: 'List departments',
        description:
          'A page of departments sorted by name (then id), with optional filters. Keyset pagination: pass `pagination.next_cursor` ' +
          'as `cursor` for the next page. No total is given: a count would cost every page the size of the organization.',
        params: OrgParams,
        querystring: ListDepartmentsQuery,
        response: { 200: DepartmentList, ...commonErrors },
      },
    },
    async (request) => {
      const org = await organizationFor(request, deps.repos, request.params.org);
      const { limit, cursor, parent_id, is_active, code, openDepartmentId, name } = request.query;
      const page = await listDepartments(deps.repos, org.id, {
        limit,
        ...(cursor !== undefined ? { cursor } : {}),
        ...(parent_id !== undefined ? { parentId: parent_id === 'root' ? null : parent_id } : {}),
        ...(is_active !== undefined ? { isActive: is_active } : {}),
        ...(code !== undefined ? { code } : {}),
        ...(openDepartmentId !== undefined ? { openDepartmentId } : {}),
        ...(name !== undefined ? { name } : {}),
      });
      return {
        data: page.items.map(toApiDepartment),
        pagination: { limit, next_cursor: page.nextCursor, has_more: page.nextCursor !== null },
      };
    },
  );

  r.get(
    '/organizations/:org/departments/tree',
    {
      schema: {
        tags: TAGS,
        summary: 'Get the department tree',
        description:
          'Departments nested under their parents: the whole organization, or the subtree of `root`, down to `depth` levels. ' +
          'Siblings in creation order (by id). Streamed: the answer is written as it is read, at a memory cost that does not grow with the tree.',
        params: OrgParams,
        querystring: TreeQuery,
        response: { 200: DepartmentTree, ...commonErrors },
      },
    },
    async (request, reply) => {
      const org = await organizationFor(request, deps.repos, request.params.org);
      const { root: rootRef, depth, is_active } = request.query;
      const root = rootRef === undefined ? undefined : await departmentByRef(deps.repos, org.id, rootRef);
      if (rootRef !== undefined && !root) {
        throw new ApiError(404, 'DEPARTMENT_NOT_FOUND', `No department ${rootRef} in organization "${org.code}".`, { root: rootRef });
      }
      const pieces = departmentTreeJson(
        deps.repos,
        org.id,
        { ...(root ? { root } : {}), ...(depth !== undefined ? { depth } : {}), activeOnly: is_active === true },
        departmentJsonOpen,
      );
      // Written as text with an explicit stack (core/tree.ts): the schema
      // serializer recursed once per level and overflowed from depth ~700.
      const body = await treeBody(pieces);
      return reply.type('application/json; charset=utf-8').send(body as unknown as DepartmentTreeBody);
    },
  );
}
