/**
 * Departments: loading an organization's tree for the planner, and applying
 * an ImportPlan as a handful of multi-row statements (no per-row round trips).
 */
import type { Knex } from 'knex';
import type { DepartmentUpdate, ImportPlan, NameScope, Organization, StoredDepartment } from '../../core/model.js';
import { buildTree, depthFirst } from '../../core/tree.js';
import type { Db } from './connection.js';
import { batches, chunks, mapped, maxBatchRows } from './batch.js';
import { TABLES } from './tables.js';
import { type DepartmentRow, MODEL_COLUMNS, nameScopeKey, toDepartment, toWriteRow, UPDATE_COLUMNS } from './departmentRows.js';
import { fromDbInteger, toDbDateTime } from './values.js';

export { type DepartmentRow, MODEL_COLUMNS, nameScopeKey, ROOT_SCOPE_KEY, toDepartment } from './departmentRows.js';

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
      // core/tree.ts's order (and its iterative walk: a deep tree cannot overflow the stack).
      const roots = buildTree(await loadForOrganization(organizationId, trx));
      return Array.from(depthFirst(roots), (v) => v.node.department);
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
