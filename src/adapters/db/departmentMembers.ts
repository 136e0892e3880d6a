/**
 * One department's members, for the API: each statement touches one
 * department's rows by the primary key (department_id, member_id), never the
 * whole organization. member_count moves by ±1 in the same transaction, and
 * only when the insert or delete really changed a row, so it stays equal to
 * the rows whatever mix of imports and API calls ran before.
 */
import type { Knex } from 'knex';
import type { Db } from './connection.js';
import { isDuplicateKeyError } from './dbErrors.js';
import { TABLES } from './tables.js';
import { fromDbDateTime, toDbDateTime } from './values.js';

export interface MemberRecord {
  userId: string;
  addedAt: string;
}

export type AddMemberOutcome = 'added' | 'exists';

export function departmentMembersRepo(db: Db) {
  return {
    async add(trx: Knex.Transaction, organizationId: string, departmentId: string, userId: string, now: Date): Promise<AddMemberOutcome> {
      const existing = await trx(TABLES.departmentMembers).where({ department_id: departmentId, member_id: userId }).first('member_id');
      if (existing) return 'exists';
      try {
        await trx(TABLES.departmentMembers).insert({
          department_id: departmentId,
          member_id: userId,
          organization_id: organizationId,
          created_at: toDbDateTime(now),
          last_import_run_id: null,
        });
      } catch (err) {
        if (isDuplicateKeyError(err)) return 'exists';
        throw err;
      }
      await trx(TABLES.departments).where({ organization_id: organizationId, id: departmentId }).increment('member_count', 1);
      return 'added';
    },

    /** Whether the member was there (and so was removed). */
    async remove(trx: Knex.Transaction, organizationId: string, departmentId: string, userId: string): Promise<boolean> {
      const deleted = await trx(TABLES.departmentMembers)
        .where({ organization_id: organizationId, department_id: departmentId, member_id: userId })
        .delete();
      if (deleted !== 1) return false;
      await trx(TABLES.departments).where({ organization_id: organizationId, id: departmentId }).decrement('member_count', 1);
      return true;
    },

    /** Up to `limit` members after `after` (keyset on member_id, the primary key's second column). */
    async page(organizationId: string, departmentId: string, opts: { limit: number; after: string | null }): Promise<MemberRecord[]> {
      const q = db
        .knex(TABLES.departmentMembers)
        .select('member_id', 'created_at')
        .where({ organization_id: organizationId, department_id: departmentId })
        .orderBy('member_id', 'asc')
        .limit(opts.limit);
      if (opts.after !== null) void q.andWhere('member_id', '>', opts.after);
      const rows = (await q) as { member_id: string; created_at: unknown }[];
      return rows.map((r) => ({ userId: r.member_id, addedAt: fromDbDateTime(r.created_at) }));
    },
  };
}

export type DepartmentMembersRepo = ReturnType<typeof departmentMembersRepo>;
