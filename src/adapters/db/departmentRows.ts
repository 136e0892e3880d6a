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
] as const;

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

/** `organizationId`: for rows loaded without their organization_id (one string for all instead of one per row). */
export function toDepartment(row: DepartmentRow, organizationId?: string): StoredDepartment {
  return {
    id: row.id,
    organizationId: (row.organization_id as string | undefined) ?? organizationId ?? '',
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

/** Every column an insert writes, in the order of toWriteValues: the model's, then the bookkeeping ones. */
export const WRITE_COLUMNS = [
  ...MODEL_COLUMNS,
  'created_at',
  'updated_at',
  'last_import_run_id',
  'name_scope_key',
  // The run's creates row in department_history (migration 0015); NULL but for an import's creates.
  'created_history_id',
] as const;

/**
 * The full row for an insert or an upsert (an upsert's INSERT part needs every
 * NOT NULL column), as values in WRITE_COLUMNS order: an array, not an object
 * keyed by column, since the statement is written once per batch (multiRow.ts).
 */
export function toWriteValues(d: StoredDepartment, org: Organization, runId: string | null, now: string, createdHistoryId: number | null = null): unknown[] {
  return [
    d.id,
    org.id,
    d.name,
    d.description,
    d.code,
    d.openDepartmentId,
    d.parentId,
    unsharedCopy(d.path),
    d.depth,
    d.location,
    toDbJson(d.i18n),
    toDbJson(d.customData),
    toDbJson(d.leaderUserIds),
    toDbJson(d.postIds),
    d.isVirtual,
    d.isActive,
    d.color,
    d.tenantId,
    d.memberCount,
    now, // created_at: ignored by updates (not in UPDATE_COLUMNS)
    now,
    runId,
    nameScopeKey(org.nameScope, d.parentId),
    createdHistoryId, // ignored by updates (not in UPDATE_COLUMNS)
  ];
}

/** The columns of a bulk load, in the order toDepartmentFromValues reads them: the model's, but organization_id (known). */
export const LOAD_COLUMNS = MODEL_COLUMNS.filter((c) => c !== 'organization_id');

/** Each load column's index in a row read as an array (from LOAD_COLUMNS itself: a column added there cannot shift them). */
const AT = Object.fromEntries(LOAD_COLUMNS.map((c, i) => [c, i])) as Record<(typeof LOAD_COLUMNS)[number], number>;

/**
 * toDepartment for a row read as an array of LOAD_COLUMNS values (mysql2's
 * rowsAsArray): the driver then makes no object with a property per column
 * for each of an organization's rows, only the array this converts.
 */
export function toDepartmentFromValues(v: readonly unknown[], organizationId: string): StoredDepartment {
  return {
    id: v[AT.id] as string,
    organizationId,
    parentId: v[AT.parent_id] as string | null,
    path: v[AT.path] as string,
    depth: fromDbInteger(v[AT.depth]),
    memberCount: fromDbInteger(v[AT.member_count]),
    name: v[AT.name] as string,
    description: v[AT.description] as string | null,
    code: v[AT.code] as string | null,
    openDepartmentId: v[AT.open_department_id] as string | null,
    location: v[AT.location] as string | null,
    i18n: fromDbJson(v[AT.i18n]) as JsonObject | null,
    customData: fromDbJson(v[AT.custom_data]) as JsonObject | null,
    leaderUserIds: fromDbJson(v[AT.leader_user_ids]) as string[] | null,
    postIds: fromDbJson(v[AT.post_ids]) as string[] | null,
    isVirtual: fromDbBoolean(v[AT.is_virtual]),
    isActive: fromDbBoolean(v[AT.is_active]),
    color: v[AT.color] as string | null,
    tenantId: v[AT.tenant_id] as string | null,
  };
}
