/**
 * Departments: loading an organization's tree for the planner, and applying
 * an ImportPlan as a handful of multi-row statements (no per-row round trips).
 */
import type { Knex } from 'knex';
import type { DepartmentUpdate, ImportPlan, NameScope, Organization, StoredDepartment } from '../../core/model.js';
import type { Db } from './connection.js';
import { batches, chunks, DEPARTMENT_BATCH_BYTES, mapped, maxBatchRows } from './batch.js';
import { TABLES } from './tables.js';
import { type DepartmentRow, LOAD_COLUMNS, nameScopeKey, toDepartment, toWriteValues, UPDATE_COLUMNS, WRITE_COLUMNS } from './departmentRows.js';
import { loadCheckedMysql } from './departmentLoad.js';
import { type CountedStatement, sendInOrder } from './inOrder.js';
import { multiRowInsert, sendBatch } from './multiRow.js';
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
  const insertStatement = multiRowInsert(db.dialect, TABLES.departments, WRITE_COLUMNS);
  const upsertStatement = multiRowInsert(db.dialect, TABLES.departments, WRITE_COLUMNS, { key: 'id', columns: UPDATE_COLUMNS });
  // '~' + id: unique per row, and never equal to a real scope key ('', '#root' or a dept_ id).
  const placeholderKey = (runner: Knex | Knex.Transaction) =>
    db.dialect === 'mysql' ? runner.raw("CONCAT('~', ??)", ['id']) : runner.raw("'~' || ??", ['id']);

  /** Every department of the organization (active or not), in one query; `onEach` sees each as it is converted. */
  async function load(organizationId: string, onEach: ((d: StoredDepartment) => void) | undefined, trx?: Knex.Transaction): Promise<StoredDepartment[]> {
    const runner = trx ?? db.knex;
    // MySQL/MariaDB: streamed, with the paths compared by the database (departmentLoad.ts).
    if (db.dialect === 'mysql') return loadCheckedMysql(runner, organizationId, onEach);
    const query = runner.from(TABLES.departments).select(LOAD_COLUMNS).where('organization_id', organizationId).orderBy('id');
    // Converted in place (each database row is garbage as soon as it is
    // converted), all with one organization id string instead of one each.
    const rows = (await query) as DepartmentRow[];
    const departments = rows as unknown as StoredDepartment[];
    for (let i = 0; i < rows.length; i++) {
      const d = (departments[i] = toDepartment(rows[i]!, organizationId));
      onEach?.(d);
    }
    return departments;
  }

  return {
    /** Every department of the organization (active or not), in one query. */
    loadForOrganization: (organizationId: string, trx?: Knex.Transaction) => load(organizationId, undefined, trx),

    /** The same, for an import: `share` sees each department as it arrives (core/plan/loadTextSharing.ts). */
    loadForImport: (organizationId: string, share: (d: StoredDepartment) => void, trx?: Knex.Transaction) => load(organizationId, share, trx),

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
     * (null for a department created through the HTTP API, which has no run);
     * a created one gets created_history_id = createdHistoryId (the run's
     * creates row in department_history, written before: migration 0015), in
     * the same INSERT. An empty plan issues no statement.
     */
    async applyPlan(
      trx: Knex.Transaction,
      org: Organization,
      plan: ImportPlan,
      { runId, now, createdHistoryId = null }: { runId: string | null; now: Date; createdHistoryId?: number | null },
      /** Called after each batch of created or changed rows is written, with the rows written so far (progress). */
      onWritten?: (rowsWritten: number) => void,
    ): Promise<ApplyResult> {
      assertPlanBelongsTo(org, plan);
      const at = toDbDateTime(now);
      const changes = [...plan.updates, ...plan.deactivations];

      const rekeyed = changes.filter((u) => changesUniqueKeys(u, org.nameScope)).map((u) => u.after.id);
      // Rows are built one batch at a time, so a large import never holds a
      // second copy of every department as database rows; on MySQL the next
      // batch is built and queued while the server writes the one before (inOrder.ts).
      function* statements(): Generator<CountedStatement> {
        for (const ids of chunks(rekeyed, rowsPerBatch)) {
          // By primary key only (assertPlanBelongsTo vouched for the ids): an extra
          // organization_id condition makes SQLite scan the organization per statement.
          const statement = table(trx)
            .whereIn('id', ids)
            .update({ code: null, open_department_id: null, name_scope_key: placeholderKey(trx) });
          yield { statement, rows: 0 };
        }
        const toRow = (d: StoredDepartment) => toWriteValues(d, org, runId, at);
        const toCreatedRow = (d: StoredDepartment) => toWriteValues(d, org, runId, at, createdHistoryId);
        for (const batch of batches(mapped(plan.creates, toCreatedRow), rowsPerBatch, DEPARTMENT_BATCH_BYTES)) {
          yield { statement: sendBatch(trx, insertStatement, batch), rows: batch.length };
        }
        for (const batch of batches(
          mapped(changes, (u) => toRow(u.after)),
          rowsPerBatch,
          DEPARTMENT_BATCH_BYTES,
        )) {
          // On MySQL the row conflicts on the primary key first (InnoDB checks
          // the clustered index before secondary unique indexes), so this always
          // updates the row with that id.
          yield { statement: sendBatch(trx, upsertStatement, batch), rows: batch.length };
        }
      }
      let written = 0;
      await sendInOrder(db.dialect, statements(), (rows) => {
        if (rows > 0) onWritten?.((written += rows));
      });

      return { inserted: plan.creates.length, updated: plan.updates.length, deactivated: plan.deactivations.length };
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
