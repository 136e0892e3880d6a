/**
 * Department members (`department_members`): loaded per organization in one
 * query, and written from a MembersPlan as a handful of batched statements in
 * the import's transaction, after the departments (new departments must exist
 * for the foreign key).
 */
import type { Knex } from 'knex';
import { type MembersPlan, memberships, type Organization } from '../../core/model.js';
import type { Db } from './connection.js';
import { batches, chunks, mapped, maxBatchRows } from './batch.js';
import { sendInOrder } from './inOrder.js';
import { TABLES } from './tables.js';
import { toDbDateTime } from './values.js';

export function membersRepo(db: Db) {
  const table = (runner: Knex | Knex.Transaction) => runner(TABLES.departmentMembers);
  const rowsPerBatch = maxBatchRows(db.dialect);

  return {
    /** Every membership of the organization: department id → member ids. */
    async loadForOrganization(organizationId: string, trx?: Knex.Transaction): Promise<Map<string, Set<string>>> {
      const rows = (await table(trx ?? db.knex)
        .select('department_id', 'member_id')
        .where('organization_id', organizationId)) as { department_id: string; member_id: string }[];
      const out = new Map<string, Set<string>>();
      for (const r of rows) {
        const set = out.get(r.department_id);
        if (set) set.add(r.member_id);
        else out.set(r.department_id, new Set([r.member_id]));
      }
      return out;
    },

    /**
     * Removes, adds, then sets member_count of the departments whose count
     * changes (one UPDATE per distinct count: counts repeat a lot). Touches
     * nothing else of the department rows (updated_at stays: the department's
     * own data did not change).
     */
    async applyMembers(trx: Knex.Transaction, org: Organization, plan: MembersPlan, { runId, now }: { runId: string; now: Date }): Promise<void> {
      const at = toDbDateTime(now);
      const byCount = new Map<number, string[]>();
      for (const c of plan.counts) {
        const ids = byCount.get(c.memberCount);
        if (ids) ids.push(c.departmentId);
        else byCount.set(c.memberCount, [c.departmentId]);
      }
      // Membership rows are built one batch at a time (an HRIS export has one per employee);
      // on MySQL the next statement is built and queued while the server runs the one before (inOrder.ts).
      function* statements(): Generator<Knex.QueryBuilder> {
        // Row-value IN: (department_id, member_id) IN ((?, ?), ...), on MySQL/MariaDB and SQLite alike.
        for (const batch of batches(memberships(plan.removes), rowsPerBatch)) {
          yield table(trx)
            .where('organization_id', org.id)
            .whereIn(
              ['department_id', 'member_id'],
              batch.map((m) => [m.departmentId, m.memberId]),
            )
            .delete();
        }
        const rows = mapped(memberships(plan.adds), (m) => ({
          department_id: m.departmentId,
          member_id: m.memberId,
          organization_id: org.id,
          created_at: at,
          last_import_run_id: runId,
        }));
        for (const batch of batches(rows, rowsPerBatch)) yield table(trx).insert(batch);
        for (const [count, ids] of byCount) {
          for (const chunk of chunks(ids, rowsPerBatch)) {
            yield trx(TABLES.departments).whereIn('id', chunk).update({ member_count: count });
          }
        }
      }
      await sendInOrder(db.dialect, mapped(statements(), (statement) => ({ statement, rows: 0 })));
    },
  };
}

export type MembersRepo = ReturnType<typeof membersRepo>;
