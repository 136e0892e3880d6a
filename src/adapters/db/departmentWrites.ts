/**
 * Single-department reads and writes for the department API (get by ref,
 * update, deactivate): every query goes through an index (the primary key or
 * one of the organization's unique indexes), never a load of the whole
 * organization. Uniqueness is decided by the database's unique indexes: a
 * duplicate-key error is mapped, by the index (MariaDB) or the columns (SQLite)
 * it names, to the field that clashed.
 */
import type { Knex } from 'knex';
import type { Organization, StoredDepartment } from '../../core/model.js';
import type { Db } from './connection.js';
import { isDuplicateKeyError } from './dbErrors.js';
import { type DepartmentRow, MODEL_COLUMNS, nameScopeKey, toDepartment } from './departmentRows.js';
import { TABLES } from './tables.js';
import { toDbDateTime, toDbJson } from './values.js';

/** How a department is named in a URL: its id, `code:<code>` or `open:<openDepartmentId>`. */
export type DepartmentRef = { by: 'id' | 'code' | 'openDepartmentId'; value: string };

/** The field whose unique index refused an update. */
export type UniqueField = 'name' | 'code' | 'openDepartmentId';

const REF_COLUMN = { id: 'id', code: 'code', openDepartmentId: 'open_department_id' } as const;

/**
 * MariaDB names the index (`for key 'departments_org_code_uq'`, MySQL 8
 * prefixes the table); SQLite names the columns (`departments.code`).
 */
const UNIQUE_FIELD_OF: readonly [RegExp, UniqueField][] = [
  [/departments_org_code_uq|departments\.code\b/, 'code'],
  [/departments_org_open_id_uq|departments\.open_department_id\b/, 'openDepartmentId'],
  [/departments_org_scope_name_uq|departments\.name\b/, 'name'],
];

export function uniqueFieldOf(err: unknown): UniqueField | undefined {
  if (!isDuplicateKeyError(err)) return undefined;
  const message = err instanceof Error ? err.message : String(err);
  return UNIQUE_FIELD_OF.find(([pattern]) => pattern.test(message))?.[1];
}

/** `s` as a LIKE pattern matching itself literally ('!' escapes: the same on both engines, unlike backslash). */
function likeLiteral(s: string): string {
  return s.replace(/[!%_]/g, (c) => `!${c}`);
}

export function departmentWritesRepo(db: Db) {
  const table = (trx?: Knex.Transaction) => (trx ?? db.knex)(TABLES.departments);

  return {
    /** The department's id, looked up through the index its ref names. */
    async findId(organizationId: string, ref: DepartmentRef, trx?: Knex.Transaction): Promise<string | undefined> {
      const row = (await table(trx)
        .select('id')
        .where({ organization_id: organizationId, [REF_COLUMN[ref.by]]: ref.value })
        .first()) as { id: string } | undefined;
      return row?.id;
    },

    /**
     * The department, row-locked until the transaction ends (FOR UPDATE on
     * MySQL; SQLite's transaction already holds the database's write lock).
     */
    async lockOne(trx: Knex.Transaction, organizationId: string, id: string): Promise<StoredDepartment | undefined> {
      const q = table(trx).select(MODEL_COLUMNS).where({ organization_id: organizationId, id }).first();
      if (db.dialect === 'mysql') q.forUpdate();
      const row = (await q) as DepartmentRow | undefined;
      return row ? toDepartment(row) : undefined;
    },

    /**
     * A locking read (MySQL) of the children's index range: it sees children
     * created or moved in by writes that committed after this transaction's
     * snapshot, and keeps new ones out (their insert or move waits) until the
     * deactivation that asked commits.
     */
    async hasActiveChildren(trx: Knex.Transaction, organizationId: string, id: string): Promise<boolean> {
      const q = table(trx).select('id').where({ organization_id: organizationId, parent_id: id, is_active: true }).first();
      if (db.dialect === 'mysql') void q.forShare();
      return (await q) !== undefined;
    },

    /** Share-locked (MySQL): the parent cannot be deactivated until the write that asked commits. */
    async isActive(trx: Knex.Transaction, organizationId: string, id: string): Promise<boolean> {
      const q = table(trx).select('is_active').where({ organization_id: organizationId, id }).first();
      if (db.dialect === 'mysql') void q.forShare();
      const row = (await q) as { is_active: unknown } | undefined;
      return row !== undefined && Boolean(Number(row.is_active));
    },

    /** Writes `after`'s fields; a unique index's refusal comes back as the field it guards. */
    async update(trx: Knex.Transaction, org: Organization, after: StoredDepartment, now: Date): Promise<{ conflict?: UniqueField }> {
      try {
        await table(trx)
          .where({ organization_id: org.id, id: after.id })
          .update({
            name: after.name,
            description: after.description,
            code: after.code,
            open_department_id: after.openDepartmentId,
            location: after.location,
            i18n: toDbJson(after.i18n),
            custom_data: toDbJson(after.customData),
            leader_user_ids: toDbJson(after.leaderUserIds),
            post_ids: toDbJson(after.postIds),
            is_virtual: after.isVirtual,
            is_active: after.isActive,
            color: after.color,
            name_scope_key: nameScopeKey(org.nameScope, after.parentId),
            updated_at: toDbDateTime(now),
          });
        return {};
      } catch (err) {
        const field = uniqueFieldOf(err);
        if (field === undefined) throw err;
        return { conflict: field };
      }
    },

    /**
     * Deactivates the department and its whole active subtree in one
     * set-based statement (descendants' paths start with its path and '/');
     * returns the ids it deactivated, read first with a locking read (MySQL),
     * so the ids are the rows the UPDATE then changes: the latest committed
     * ones, locked against concurrent moves and creates until commit.
     */
    async deactivateSubtree(trx: Knex.Transaction, organizationId: string, root: StoredDepartment, now: Date): Promise<string[]> {
      // The descendants by path prefix alone: one range of the path index (an OR with the root's id could make it a scan).
      const below = (q: Knex.QueryBuilder) =>
        q.where({ organization_id: organizationId, is_active: true }).andWhereRaw("path like ? escape '!'", [`${likeLiteral(root.path)}/%`]);
      const read = below(table(trx).select('id'));
      if (db.dialect === 'mysql') void read.forUpdate();
      const descendants = ((await read) as { id: string }[]).map((r) => r.id);
      const rootChanged = await table(trx).where({ organization_id: organizationId, id: root.id, is_active: true }).update({ is_active: false, updated_at: toDbDateTime(now) });
      if (descendants.length > 0) await below(table(trx)).update({ is_active: false, updated_at: toDbDateTime(now) });
      return [...(Number(rootChanged) > 0 ? [root.id] : []), ...descendants];
    },
  };
}

export type DepartmentWritesRepo = ReturnType<typeof departmentWritesRepo>;
