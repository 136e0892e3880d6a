/**
 * Departments: loading an organization's tree for the planner, and applying
 * an ImportPlan as a handful of multi-row statements (no per-row round trips).
 */
import type { Knex } from 'knex';
import type {
  DepartmentUpdate,
  ImportPlan,
  JsonObject,
  NameScope,
  Organization,
  StoredDepartment,
} from '../../core/model.js';
import type { Db } from './connection.js';
import { batches, chunks, mapped, maxBatchRows } from './batch.js';
import { TABLES } from './tables.js';
import { fromDbBoolean, fromDbInteger, fromDbJson, toDbDateTime, toDbJson } from './values.js';

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
const UPDATE_COLUMNS = [
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
function toWriteRow(d: StoredDepartment, org: Organization, runId: string | null, now: string): Record<string, unknown> {
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

/** Whether an update moves any of the department's unique keys. */
function changesUniqueKeys(u: DepartmentUpdate, scope: NameScope): boolean {
  return (
    u.before.code !== u.after.code ||
    u.before.openDepartmentId !== u.after.openDepartmentId ||
    u.before.name !== u.after.name ||
    nameScopeKey(scope, u.before.parentId) !== nameScopeKey(scope, u.after.parentId)
  );
}

/**
 * A planner bug must not let an upsert keyed by id overwrite another
 * organization's department: check before writing anything.
 */
function assertPlanBelongsTo(org: Organization, plan: ImportPlan): void {
  const foreign =
    plan.creates.find((d) => d.organizationId !== org.id) ??
    [...plan.updates, ...plan.deactivations].find((u) => u.after.organizationId !== org.id || u.before.organizationId !== org.id)
      ?.after;
  if (foreign !== undefined) {
    throw new Error(`applyPlan: department ${foreign.id} belongs to organization ${foreign.organizationId}, not ${org.id}`);
  }
}

export interface ApplyResult {
  inserted: number;
  updated: number;
  deactivated: number;
}

export interface DepartmentCounts {
  total: number;
  active: number;
}

export function departmentsRepo(db: Db) {
  const table = (runner: Knex | Knex.Transaction) => runner(TABLES.departments);
  const rowsPerBatch = maxBatchRows(db.dialect);
  // '~' + id: unique per row, and never equal to a real scope key ('', '#root' or a dept_ id).
  const placeholderKey = (runner: Knex | Knex.Transaction) =>
    db.dialect === 'mysql' ? runner.raw("CONCAT('~', ??)", ['id']) : runner.raw("'~' || ??", ['id']);

  /** Every department of the organization (active or not), in one query. */
  async function loadForOrganization(organizationId: string, trx?: Knex.Transaction): Promise<StoredDepartment[]> {
    const runner = trx ?? db.knex;
    // MySQL/MariaDB: without the hint, `ORDER BY id` makes the optimizer walk
    // the whole primary key (every organization's departments) once an
    // organization holds more than a few percent of the table: measured on
    // MariaDB 10.11 with eight 100,000-department organizations, 2.4 s of
    // mostly page reads against 0.4 s through the organization's index plus a
    // sort of its own rows. (Alone in the table, the hint costs ~0.15 s.)
    const from = db.dialect === 'mysql' ? runner.raw('?? FORCE INDEX (??)', [TABLES.departments, 'departments_org_parent_idx']) : TABLES.departments;
    const rows = (await runner
      .from(from)
      .select(MODEL_COLUMNS)
      .where('organization_id', organizationId)
      .orderBy('id')) as DepartmentRow[];
    return rows.map(toDepartment);
  }

  return {
    loadForOrganization,

    /**
     * Writes a plan inside the caller's transaction (the one withOrganizationLock
     * gives). Statements, in order:
     * (a) updates that change a unique key (code, openDepartmentId, name, or the
     *     name scope through a move) first park those keys (code and
     *     openDepartmentId NULL, name_scope_key '~' + id), so that two
     *     departments swapping codes or names in one import cannot collide
     *     halfway; the upserts in (c) then set the final values;
     * (b) creates, as multi-row INSERTs in plan order (parents first, for the
     *     parent_id foreign key);
     * (c) updates then deactivations, as multi-row upserts keyed by id
     *     (ON DUPLICATE KEY UPDATE / ON CONFLICT DO UPDATE) in plan order.
     * Every written row gets updated_at = now and last_import_run_id = runId
     * (null for a department created through the HTTP API, which has no run).
     * An empty plan issues no statement.
     */
    async applyPlan(
      trx: Knex.Transaction,
      org: Organization,
      plan: ImportPlan,
      { runId, now }: { runId: string | null; now: Date },
    ): Promise<ApplyResult> {
      assertPlanBelongsTo(org, plan);
      const at = toDbDateTime(now);
      const changes = [...plan.updates, ...plan.deactivations];

      const rekeyed = changes.filter((u) => changesUniqueKeys(u, org.nameScope)).map((u) => u.after.id);
      // Rows are built one batch at a time, so a large import never holds a
      // second copy of every department as database rows.
      function* statements(): Generator<Knex.QueryBuilder> {
        for (const ids of chunks(rekeyed, rowsPerBatch)) {
          // By primary key only (assertPlanBelongsTo vouched for the ids): an extra
          // organization_id condition makes SQLite scan the organization per statement.
          yield table(trx)
            .whereIn('id', ids)
            .update({ code: null, open_department_id: null, name_scope_key: placeholderKey(trx) });
        }
        const toRow = (d: StoredDepartment) => toWriteRow(d, org, runId, at);
        for (const batch of batches(mapped(plan.creates, toRow), rowsPerBatch)) {
          yield table(trx).insert(batch);
        }
        for (const batch of batches(
          mapped(changes, (u) => toRow(u.after)),
          rowsPerBatch,
        )) {
          // On MySQL the row conflicts on the primary key first (InnoDB checks
          // the clustered index before secondary unique indexes), so this always
          // updates the row with that id.
          yield table(trx).insert(batch).onConflict('id').merge(UPDATE_COLUMNS);
        }
      }
      for (const statement of statements()) await statement;

      return { inserted: plan.creates.length, updated: plan.updates.length, deactivated: plan.deactivations.length };
    },

    /**
     * The organization's departments in depth-first order (a parent, then its
     * subtree), siblings sorted by name then id: ready for `orgsync tree`.
     */
    async listTree(organizationId: string, trx?: Knex.Transaction): Promise<StoredDepartment[]> {
      const all = await loadForOrganization(organizationId, trx);
      const children = new Map<string | null, StoredDepartment[]>();
      const ids = new Set(all.map((d) => d.id));
      for (const d of all) {
        // A parent outside the set cannot happen with the foreign key, but would
        // otherwise hide the subtree: show it at top level instead.
        const parent = d.parentId !== null && ids.has(d.parentId) ? d.parentId : null;
        const list = children.get(parent);
        if (list) list.push(d);
        else children.set(parent, [d]);
      }
      const byName = (a: StoredDepartment, b: StoredDepartment) =>
        a.name < b.name ? -1 : a.name > b.name ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
      const out: StoredDepartment[] = [];
      // Iterative, so a very deep tree cannot overflow the stack.
      const stack: StoredDepartment[] = [...(children.get(null) ?? [])].sort(byName).reverse();
      while (stack.length > 0) {
        const d = stack.pop() as StoredDepartment;
        out.push(d);
        stack.push(...[...(children.get(d.id) ?? [])].sort(byName).reverse());
      }
      return out;
    },

    async countByOrganization(organizationId: string, trx?: Knex.Transaction): Promise<DepartmentCounts> {
      const row = (await table(trx ?? db.knex)
        .where('organization_id', organizationId)
        .select(
          (trx ?? db.knex).raw('COUNT(*) AS total'),
          (trx ?? db.knex).raw('COALESCE(SUM(CASE WHEN is_active = 1 THEN 1 ELSE 0 END), 0) AS active'),
        )
        .first()) as { total: unknown; active: unknown } | undefined;
      return { total: fromDbInteger(row?.total ?? 0), active: fromDbInteger(row?.active ?? 0) };
    },
  };
}

export type DepartmentsRepo = ReturnType<typeof departmentsRepo>;
