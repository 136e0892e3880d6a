/**
 * The Authing face's reads around the operations: the organization of a
 * request's `organizationCode` (only the key's own; any other, existing or
 * not, is "organization not found" as for an unknown code), a department by
 * the call's departmentIdType, and the DepartmentDto of seeds 003/004.
 */
import type { FastifyRequest } from 'fastify';
import { departmentByRef } from '../../app/departmentWrites.js';
import { findOrganization } from '../../app/organizations.js';
import type { DepartmentView, Repositories } from '../../app/ports.js';
import type { Organization } from '../../core/model.js';
import { mayAccess, principalOf } from './auth.js';
import { ApiError } from './errors.js';
import type { AuthingDepartment, ID_TYPES } from './schemas/authingFace.js';

export type IdType = (typeof ID_TYPES)[number];

/** The face's words for the top level, as a parent reference and as a parent id in answers. */
export const ROOT = 'root';

/** The organization of `organizationCode`, if the request's key belongs to it. */
export async function authingOrganization(request: FastifyRequest, repos: Pick<Repositories, 'organizations'>, code: string): Promise<Organization> {
  if (code !== '' && (code.trim() === '' || code.length > 191)) {
    throw new ApiError(400, 'INVALID_ORGANIZATION_CODE', `invalid organization code ${code}`, { field: 'organizationCode' });
  }
  const org = code === '' ? undefined : await findOrganization(repos, code);
  if (!org || org.code !== code || !mayAccess(principalOf(request), org.id)) {
    throw new ApiError(404, 'ORGANIZATION_NOT_FOUND', `organization not found for code: ${code}`, { field: 'organizationCode' });
  }
  return org;
}

/** The lookup a departmentIdType names; sync_relation and custom_field have no meaning in orgsync. */
export function supportedIdType(type: IdType | undefined): 'department_id' | 'open_department_id' | 'code' {
  const t = type ?? 'department_id';
  if (t === 'sync_relation' || t === 'custom_field') {
    throw new ApiError(400, 'UNSUPPORTED_ID_TYPE', `departmentIdType ${t} is not supported: use department_id, open_department_id or code`, { field: 'departmentIdType' });
  }
  return t;
}

export async function findAuthingDepartment(
  repos: Pick<Repositories, 'departmentWrites' | 'departmentReads'>,
  org: Organization,
  value: string,
  type: IdType | undefined,
): Promise<DepartmentView | undefined> {
  const t = supportedIdType(type);
  if (value === '') return undefined;
  if (t === 'code') return departmentByRef(repos, org.id, `code:${value}`);
  if (t === 'open_department_id') return departmentByRef(repos, org.id, `open:${value}`);
  // An id is never `code:...` / `open:...` (departmentByRef would read those as other keys).
  return value.startsWith('code:') || value.startsWith('open:') ? undefined : departmentByRef(repos, org.id, value);
}

export const departmentNotFound = (value: string): ApiError =>
  new ApiError(404, 'DEPARTMENT_NOT_FOUND', `department not found: ${value}`, { field: 'departmentId' });

/** The parent's code as DepartmentDto.parentDepartmentCode: `root` at the top level, "" for a parent without one. */
export async function parentCodeOf(repos: Pick<Repositories, 'departmentReads'>, org: Organization, d: DepartmentView): Promise<string> {
  if (d.parentId === null) return ROOT;
  return (await repos.departmentReads.get(org.id, d.parentId))?.code ?? '';
}

export function toAuthingDepartment(org: Organization, d: DepartmentView, parentCode: string, opts: { withCustomData: boolean }): AuthingDepartment {
  return {
    organizationCode: org.code,
    departmentId: d.id,
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
    ...(d.openDepartmentId !== null ? { openDepartmentId: d.openDepartmentId } : {}),
    name: d.name,
    leaderUserIds: d.leaderUserIds ?? [],
    ...(d.description !== null ? { description: d.description } : {}),
    parentDepartmentId: d.parentId ?? ROOT,
    ...(d.code !== null ? { code: d.code } : {}),
    parentDepartmentCode: parentCode,
    membersCount: d.memberCount,
    hasChildren: d.hasChildren,
    isVirtualNode: d.isVirtual,
    ...(d.i18n !== null ? { i18n: d.i18n } : {}),
    ...(opts.withCustomData && d.customData !== null ? { customData: d.customData } : {}),
    posts: d.postIds ?? [],
    postIdList: d.postIds ?? [],
    status: d.isActive,
    allow: '[]',
  };
}

/** The face's success envelope. */
export function authingSuccess<T>(request: FastifyRequest, data: T): { statusCode: 200; message: string; requestId: string; data: T } {
  return { statusCode: 200, message: 'Success', requestId: String(request.id), data };
}
