/**
 * The planner's view for one API write, from a few indexed queries instead of
 * a load of the organization (core/plan/storedLookup.ts). Two statements,
 * whatever the organization's size:
 *
 * 1. the parent candidates, by the key the reference names (id, code or
 *    openDepartmentId: each a unique index), share-locked on MySQL/MariaDB
 *    (LOCK IN SHARE MODE) so that a concurrent deactivation or move of the
 *    parent waits for this transaction, and this one for it; SQLite has one
 *    writer, whose transaction already excludes the others;
 * 2. one UNION ALL of indexed selects: the parents' ancestors (by the ids in
 *    their paths: the planner places a department under its parent's
 *    chain), and the holders of the row's id, code, openDepartmentId and
 *    name in its scope (the unique index's name_scope_key), which the
 *    planner's uniqueness check compares with.
 *
 * On MySQL/MariaDB a create sends these reads, the organization's lock before
 * them and the writes after them in two round trips (departmentCreate.ts,
 * departmentCreateSql.ts); the steps below remain for SQLite.
 *
 * The database's unique indexes still decide a race between two requests:
 * `insert` gives a duplicate-key error back as the field whose index refused
 * it (uniqueFieldOf), on MariaDB and SQLite alike.
 */
import type { Knex } from 'knex';
import type { Organization, StoredDepartment } from '../../core/model.js';
import type { RowLookupKeys } from '../../core/plan/rowKeys.js';
import type { Db } from './connection.js';
import { type DepartmentRow, MODEL_COLUMNS, nameScopeKey, toDepartment, toWriteValues, WRITE_COLUMNS } from './departmentRows.js';
import { departmentCreate } from './departmentCreateQueue.js';
import { uniqueFieldOf, type UniqueField } from './departmentWrites.js';
import { TABLES } from './tables.js';
import { toDbDateTime } from './values.js';

const KEY_COLUMN = { id: 'id', code: 'code', openDepartmentId: 'open_department_id' } as const;

export function departmentLookupRepo(db: Db) {
  const table = (trx?: Knex.Transaction) => (trx ?? db.knex)(TABLES.departments);
  const inOrg = (trx: Knex.Transaction | undefined, organizationId: string) => table(trx).select(MODEL_COLUMNS).where('organization_id', organizationId);

  return {
    /** The parent candidates, share-locked until the transaction ends (MySQL/MariaDB). */
    async lockParents(trx: Knex.Transaction, organizationId: string, keys: RowLookupKeys): Promise<StoredDepartment[]> {
      if (keys.parent.length === 0) return [];
      const q = inOrg(trx, organizationId).andWhere((w) => {
        for (const k of keys.parent) w.orWhere(KEY_COLUMN[k.by], k.value);
      });
      if (db.dialect === 'mysql') q.forShare();
      return ((await q) as DepartmentRow[]).map((r) => toDepartment(r));
    },

    /**
     * Everything the planner can look up for the row (core/plan/rowKeys.ts),
     * given its parent candidates: the candidates' ancestors and the holders
     * of the row's keys. One statement; no row is read twice by the planner.
     */
    async candidates(trx: Knex.Transaction, org: Organization, keys: RowLookupKeys, parents: readonly StoredDepartment[]): Promise<StoredDepartment[]> {
      const selects: Knex.QueryBuilder[] = [];
      const known = new Set(parents.map((p) => p.id));
      const ancestors = [...new Set(parents.flatMap((p) => p.path.split('/')))].filter((id) => id !== '' && !known.has(id));
      if (ancestors.length > 0) selects.push(inOrg(trx, org.id).whereIn('id', ancestors));
      if (keys.id !== null && !known.has(keys.id)) selects.push(inOrg(trx, org.id).andWhere('id', keys.id));
      if (keys.code !== null) selects.push(inOrg(trx, org.id).andWhere('code', keys.code));
      if (keys.openDepartmentId !== null) selects.push(inOrg(trx, org.id).andWhere('open_department_id', keys.openDepartmentId));
      if (keys.name !== null) {
        // The scopes the name can land in: each candidate parent's, and the top level's.
        const scopes = new Set(parents.map((p) => nameScopeKey(org.nameScope, p.id)));
        if (keys.parentMayBeRoot) scopes.add(nameScopeKey(org.nameScope, null));
        if (scopes.size > 0) selects.push(inOrg(trx, org.id).whereIn('name_scope_key', [...scopes]).andWhere('name', keys.name));
      }
      const [first, ...rest] = selects;
      if (first === undefined) return [...parents];
      // Not wrapped in parentheses: SQLite refuses a parenthesised member of a compound select.
      const rows = (rest.length === 0 ? await first : await first.unionAll(rest, false)) as DepartmentRow[];
      return [...parents, ...rows.map((r) => toDepartment(r))];
    },

    /** Inserts one department (no run: an API write); a unique index's refusal comes back as the field it guards. */
    async insert(trx: Knex.Transaction, org: Organization, d: StoredDepartment, now: Date): Promise<{ conflict?: UniqueField }> {
      const values = toWriteValues(d, org, null, toDbDateTime(now));
      const row = Object.fromEntries(WRITE_COLUMNS.map((c, i) => [c, values[i]]));
      try {
        await table(trx).insert(row);
        return {};
      } catch (err) {
        const field = uniqueFieldOf(err);
        if (field === undefined) throw err;
        return { conflict: field };
      }
    },

    /** The whole create in two round trips (departmentCreate.ts), batched with concurrent creates of the organization (departmentCreateQueue.ts); absent on SQLite, where the steps above run. */
    create: db.dialect === 'mysql' && db.apiWrites ? departmentCreate(db) : undefined,
  };
}

export type DepartmentLookupRepo = ReturnType<typeof departmentLookupRepo>;
