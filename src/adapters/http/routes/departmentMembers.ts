/**
 * /v1/organizations/{org}/departments/{id}/members: list (keyset pages on the
 * user id), add (201; 409 MEMBER_EXISTS when already a member), remove (204).
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { addMember, type MemberWriteResult, removeMember } from '../../../app/departmentMembers.js';
import { organizationFor } from '../auth.js';
import type { AppDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { commonErrors, ErrorEnvelope } from '../schemas/common.js';
import { AddMemberBody, ListMembersQuery, MemberList, MemberParams, MemberUserParams, Member } from '../schemas/departmentMembers.js';

const TAGS = ['Departments'];
const STATUS = { INVALID_FIELD: 400, DEPARTMENT_NOT_FOUND: 404, MEMBER_NOT_FOUND: 404, MEMBER_EXISTS: 409 } as const;

function failure(r: Exclude<MemberWriteResult, { ok: true }>): ApiError {
  return new ApiError(STATUS[r.code], r.code, r.message, r.code === 'INVALID_FIELD' ? { field: 'user_id' } : {});
}

const encodeCursor = (userId: string): string => Buffer.from(userId, 'utf8').toString('base64url');
const decodeCursor = (cursor: string): string => Buffer.from(cursor, 'base64url').toString('utf8');

export function departmentMemberRoutes(app: FastifyInstance, deps: AppDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const lockTimeoutSeconds = deps.config.database.lockTimeoutSeconds;

  r.get(
    '/organizations/:org/departments/:id/members',
    { schema: { tags: TAGS, summary: "List a department's direct members", params: MemberParams, querystring: ListMembersQuery, response: { 200: MemberList, ...commonErrors } } },
    async (request) => {
      const org = await organizationFor(request, deps.repos, request.params.org);
      const { id } = request.params;
      const { limit, cursor } = request.query;
      const exists = await deps.repos.departmentReads.get(org.id, id);
      if (!exists) throw new ApiError(404, 'DEPARTMENT_NOT_FOUND', `No department ${id} in organization "${org.code}".`, { id });
      const rows = await deps.repos.departmentMembers.page(org.id, id, { limit: limit + 1, after: cursor === undefined ? null : decodeCursor(cursor) });
      const page = rows.slice(0, limit);
      const hasMore = rows.length > limit;
      return {
        data: page.map((m) => ({ user_id: m.userId, department_id: id, added_at: m.addedAt })),
        pagination: { limit, has_more: hasMore, next_cursor: hasMore ? encodeCursor(page[page.length - 1]!.userId) : null },
      };
    },
  );

  r.post(
    '/organizations/:org/departments/:id/members',
    { schema: { tags: TAGS, summary: 'Add a member to a department', params: MemberParams, body: AddMemberBody, response: { 201: Member, ...commonErrors, 409: ErrorEnvelope } } },
    async (request, reply) => {
      const org = await organizationFor(request, deps.repos, request.params.org);
      const result = await addMember(deps.repos, {
        organization: org,
        departmentId: request.params.id,
        userId: request.body.user_id,
        lockTimeoutSeconds,
        ...(request.principal ? { actor: request.principal.tokenId } : {}),
        requestId: String(request.id),
      });
      if (!result.ok) throw failure(result);
      return reply.code(201).send({ user_id: result.userId, department_id: request.params.id, added_at: result.at });
    },
  );

  r.delete(
    '/organizations/:org/departments/:id/members/:userId',
    { schema: { tags: TAGS, summary: 'Remove a member from a department', params: MemberUserParams, response: { 204: z.null().describe('Removed.'), ...commonErrors } } },
    async (request, reply) => {
      const org = await organizationFor(request, deps.repos, request.params.org);
      const result = await removeMember(deps.repos, {
        organization: org,
        departmentId: request.params.id,
        userId: request.params.userId,
        lockTimeoutSeconds,
        ...(request.principal ? { actor: request.principal.tokenId } : {}),
        requestId: String(request.id),
      });
      if (!result.ok) throw failure(result);
      return reply.code(204).send(null);
    },
  );
}
