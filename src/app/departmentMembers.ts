/**
 * A department's members through the API: add, remove, list. Writes hold the
 * organization's lock in shared mode, so an import's member plan (computed
 * from its snapshot) and an API call never interleave, while API calls on
 * other departments run beside them; the department's row is locked first,
 * so writes to one department's members queue on it (and never deadlock on
 * the foreign-key check's shared lock). member_count and the history row are
 * written in the same transaction.
 */
import { UNKNOWN_ACTOR } from '../core/history/changes.js';
import type { Organization } from '../core/model.js';
import { parseKeyText } from '../core/normalise/values.js';
import type { Repositories } from './ports.js';

/** The member id column's width (department_members.member_id). */
export const MAX_USER_ID_CHARS = 191;

export interface MemberWrite {
  organization: Organization;
  departmentId: string;
  userId: unknown;
  lockTimeoutSeconds: number;
  actor?: string;
  requestId?: string;
}

export type MemberWriteResult =
  | { ok: true; userId: string; at: string }
  | { ok: false; code: 'INVALID_FIELD'; message: string }
  | { ok: false; code: 'DEPARTMENT_NOT_FOUND' | 'MEMBER_EXISTS' | 'MEMBER_NOT_FOUND'; message: string };

/** The user id as the importer's member column takes it: non-empty text, no control or invisible characters. */
export function parseUserId(v: unknown): { ok: true; value: string } | { ok: false; message: string } {
  const parsed = parseKeyText(v, MAX_USER_ID_CHARS);
  if (!parsed.ok) return { ok: false, message: `user_id ${parsed.message}` };
  if (parsed.value === null) return { ok: false, message: 'user_id is required' };
  return { ok: true, value: parsed.value };
}

type Ports = Pick<Repositories, 'lock' | 'departmentMembers' | 'departmentMoves' | 'history'>;

async function memberWrite(repos: Ports, req: MemberWrite, action: 'member_added' | 'member_removed'): Promise<MemberWriteResult> {
  const user = parseUserId(req.userId);
  if (!user.ok) return { ok: false, code: 'INVALID_FIELD', message: user.message };
  const userId = user.value;
  const org = req.organization;
  return repos.lock.withDepartmentWrite(
    org.code,
    async (trx): Promise<MemberWriteResult> => {
      const department = await repos.departmentMoves.findBy(trx, org.id, 'id', req.departmentId, 'update');
      if (!department) return { ok: false, code: 'DEPARTMENT_NOT_FOUND', message: `No department ${req.departmentId} in organization "${org.code}".` };
      const now = new Date();
      if (action === 'member_added') {
        const outcome = await repos.departmentMembers.add(trx, org.id, department.id, userId, now);
        if (outcome === 'exists') return { ok: false, code: 'MEMBER_EXISTS', message: `"${userId}" is already a member of department ${department.id}.` };
      } else if (!(await repos.departmentMembers.remove(trx, org.id, department.id, userId))) {
        return { ok: false, code: 'MEMBER_NOT_FOUND', message: `"${userId}" is not a member of department ${department.id}.` };
      }
      const change =
        action === 'member_added'
          ? { departmentId: department.id, action, before: null, after: { memberId: userId } }
          : { departmentId: department.id, action, before: { memberId: userId }, after: null };
      await repos.history.record(trx, org.id, [change], { runId: null, requestId: req.requestId ?? null, actor: req.actor ?? UNKNOWN_ACTOR }, now);
      return { ok: true, userId, at: now.toISOString() };
    },
    { timeoutSeconds: req.lockTimeoutSeconds },
  );
}

export function addMember(repos: Ports, req: MemberWrite): Promise<MemberWriteResult> {
  return memberWrite(repos, req, 'member_added');
}

export function removeMember(repos: Ports, req: MemberWrite): Promise<MemberWriteResult> {
  return memberWrite(repos, req, 'member_removed');
}
