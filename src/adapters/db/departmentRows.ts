/**
 * The departments table's rows and the model: columns read and written, and
 * the conversions both ways (shared by the import's repository and the API's views).
 */
import type { JsonObject, NameScope, Organization, StoredDepartment } from '../../core/model.js';
import { fromDbBoolean, fromDbInteger, fromDbJson, toDbJson } from './values.js';

export interface DepartmentRow {
  id: string;
  organization_id: string;
  name: string;
  description: string | null;
  code: string | null;
  open_department_id: string | null;
  parent_id: string | null;
  path: string;
  depth: number;
  location: string | null;
  i18n: unknown;
  custom_data: unknown;
  leader_user_ids: unknown;
  post_ids: unknown;
  is_virtual: unknown;
  is_active: unknown;
  color: string | null;
  tenant_id: string | null;
  member_count: unknown;
}

/** Everything StoredDepartment needs, and nothing else (no timestamps): loads stay lean. */
export const MODEL_COLUMNS = [
  'id',
  'organization_id',
  'name',
  'description',
  'code',
  'open_department_id',
  'parent_id',
  'path',
  'depth',
  'location',
  'i18n',
  'custom_data',
  'leader_user_ids',
  'post_ids',
  'is_virtual',
  'is_active',
  'color',
  'tenant_id',
  'member_count',
];

/**
 * What an update overwrites. Not id/organization_id (identity), created_at, or
 * member_count (maintained by whoever manages members, never by imports).
 */
export const UPDATE_COLUMNS = [
  'name',
  'description',
  'code',
  'open_department_id',
  'parent_id',
  'path',
  'depth',
  'location',
  'i18n',
  'custom_data',
  'leader_user_ids',
  'post_ids',
  'is_virtual',
  'is_active',
  'color',
  'tenant_id',
  'updated_at',
  'last_import_run_id',
  'name_scope_key',
];

/** name_scope_key of top-level departments in `siblings` scope (ids never start with '#'). */
export const ROOT_SCOPE_KEY = '#root';

/**
 * The namespace a department's name must be unique in, as the unique index
 * (organization_id, name_scope_key, name) sees it.
 */
export function nameScopeKey(scope: NameScope, parentId: string | null): string {
  return scope === 'organization' ? '' : (parentId ?? ROOT_SCOPE_KEY);
}

export function toDepartment(row: DepartmentRow): StoredDepartment {
  return {
    id: row.id,
    organizationId: row.organization_id,
    parentId: row.parent_id,
    path: row.path,
    depth: fromDbInteger(row.depth),
    memberCount: fromDbInteger(row.member_count),
    name: row.name,
    description: row.description,
    code: row.code,
    openDepartmentId: row.open_department_id,
    location: row.location,
    i18n: fromDbJson(row.i18n) as JsonObject | null,
    customData: fromDbJson(row.custom_data) as JsonObject | null,
    leaderUserIds: fromDbJson(row.leader_user_ids) as string[] | null,
    postIds: fromDbJson(row.post_ids) as string[] | null,
    isVirtual: fromDbBoolean(row.is_virtual),
    isActive: fromDbBoolean(row.is_active),
    color: row.color,
    tenantId: row.tenant_id,
  };
}

/**
 * A copy of `s` that reading (escaping it into SQL) flattens instead of `s`.
 * The planner builds paths as `${parent.path}/${id}`, which V8 keeps as a
 * small node pointing at the parent's path; escaping a string flattens it in
 * place, so writing 1,000,000 paths would turn ~80 shared bytes each into
 * ~250 bytes each of the plan's memory. The copy is flattened instead, and is
 * garbage once its statement is sent.
 */
function unsharedCopy(s: string): string {
  return ` ${s}`.slice(1);
}

/** The full row for an insert or an upsert (an upsert's INSERT part needs every NOT NULL column). */
export function toWriteRow(d: StoredDepartment, org: Organization, runId: string | null, now: string): Record<string, unknown> {
  return {
    id: d.id,
    organization_id: org.id,
    name: d.name,
    description: d.description,
    code: d.code,
    open_department_id: d.openDepartmentId,
    parent_id: d.parentId,
    path: unsharedCopy(d.path),
    depth: d.depth,
    location: d.location,
    i18n: toDbJson(d.i18n),
    custom_data: toDbJson(d.customData),
    leader_user_ids: toDbJson(d.leaderUserIds),
    post_ids: toDbJson(d.postIds),
    is_virtual: d.isVirtual,
    is_active: d.isActive,
    color: d.color,
    tenant_id: d.tenantId,
    member_count: d.memberCount,
    created_at: now, // ignored by updates (not in UPDATE_COLUMNS)
    updated_at: now,
    last_import_run_id: runId,
    name_scope_key: nameScopeKey(org.nameScope, d.parentId),
  };
}
