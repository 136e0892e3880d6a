/**
 * Department history (issue 13, "Every change recorded, any run undone"): one
 * row per change to one department, written in the same transaction as the
 * change. `before` / `after` hold only the fields that changed (JSON objects
 * keyed by the model's field names); a membership change holds `{ memberId }`.
 *
 * The auto-increment id is the order of changes: "a later change to the same
 * department" (REVERT_CONFLICT) and keyset pagination both compare ids, which
 * never tie, where timestamps can.
 *
 * No foreign keys: history outlives nothing it points at (departments are
 * never deleted, runs are kept), and a foreign key would add an index lookup
 * to every one of an import's batched inserts.
 */
import type { Knex } from 'knex';
import type { Dialect } from '../connection.js';
import { TABLES } from '../tables.js';
import { columnTypes } from './columnTypes.js';
import type { OrgsyncMigration } from './types.js';

async function up(knex: Knex, dialect: Dialect): Promise<void> {
  const type = columnTypes(dialect);
  await knex.schema.createTable(TABLES.departmentHistory, (t) => {
    if (dialect === 'mysql') {
      t.engine('InnoDB');
      t.charset('utf8mb4');
      t.collate('utf8mb4_unicode_ci');
    }
    t.bigIncrements('id').primary();
    t.specificType('organization_id', type.binaryText(32)).notNullable();
    t.specificType('department_id', type.binaryText(32)).notNullable();
    // created | updated | moved | deactivated | reactivated | member_added | member_removed
    t.string('action', 16).notNullable();
    t.specificType('before_values', type.json).nullable();
    t.specificType('after_values', type.json).nullable();
    // The run that made the change, or (department API writes) the HTTP request's id.
    t.specificType('run_id', type.binaryText(32)).nullable();
    t.string('request_id', 64).nullable();
    // tok_… (HTTP), cli:<os user>, schedule:<name>, or unknown.
    t.string('actor', 191).notNullable();
    t.specificType('created_at', type.datetime).notNullable();
    t.index(['organization_id', 'department_id', 'id'], 'department_history_dept_idx');
    t.index(['run_id', 'id'], 'department_history_run_idx');
    t.index(['created_at'], 'department_history_created_idx');
  });
}

async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists(TABLES.departmentHistory);
}

export const historyMigration: OrgsyncMigration = { name: '0010_history', up, down };
