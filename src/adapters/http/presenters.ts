/**
 * Stored data → the API's JSON shapes, and importer row issues → API errors.
 */
import type { DepartmentView } from '../db/index.js';
import type { RowIssue } from '../../core/errors.js';
import type { DepartmentFields } from '../../core/model.js';
import { ApiError } from './errors.js';
import type { Department } from './schemas/departments.js';

export function toApiDepartment(d: DepartmentView): Department {
  return {
    id: d.id,
    name: d.name,
    description: d.description,
    parent_id: d.parentId,
    path: d.path,
    depth: d.depth,
    organization_id: d.organizationId,
    code: d.code,
    openDepartmentId: d.openDepartmentId,
    location: d.location,
    i18n: d.i18n,
    customData: d.customData,
    isVirtualNode: d.isVirtual,
    leaderUserIds: d.leaderUserIds ?? [],
    postIdList: d.postIds ?? [],
    member_count: d.memberCount,
    hasChildren: d.hasChildren,
    is_active: d.isActive,
    color: d.color,
    created_at: d.createdAt,
    updated_at: d.updatedAt,
  };
}

/** The importer's canonical field names → the request field a client sent. */
const REQUEST_FIELD: Record<string, string> = { isVirtual: 'isVirtualNode', postIds: 'postIdList' };

/**
 * The HTTP answer to the importer's verdict on a create request: conflicts are
 * 409 with the conflicting value, an unknown parent 404, anything else 400.
 * The message is the importer's own (the same words the error CSV uses).
 */
export function issueToApiError(
  issue: RowIssue,
  fields: Partial<DepartmentFields>,
  parent: { field: string; value: unknown },
): ApiError {
  switch (issue.code) {
    case 'DEPARTMENT_NAME_CONFLICT':
      return new ApiError(409, issue.code, issue.message, { field: 'name', name: fields.name ?? null });
    case 'DUPLICATE_CODE':
      return new ApiError(409, issue.code, issue.message, { field: 'code', code: fields.code ?? null });
    case 'DUPLICATE_OPEN_DEPARTMENT_ID':
      return new ApiError(409, issue.code, issue.message, { field: 'openDepartmentId', openDepartmentId: fields.openDepartmentId ?? null });
    case 'PARENT_NOT_FOUND':
      return new ApiError(404, issue.code, issue.message, { field: parent.field, [parent.field]: parent.value });
    case 'PARENT_INACTIVE':
      return new ApiError(409, issue.code, issue.message, { field: parent.field, [parent.field]: parent.value });
    default: {
      const field = issue.field === 'parent' ? parent.field : (REQUEST_FIELD[issue.field] ?? issue.field);
      return new ApiError(400, issue.code, issue.message, { field });
    }
  }
}
