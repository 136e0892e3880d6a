/**
 * Direct members of departments (issue 3, `--member-column`): one row per
 * (department, member). An import with a member column adds the members its
 * export gives each department, and in sync mode removes the others;
 * departments.member_count is kept equal to the number of rows here for every
 * department an import touches (Authing's membersCount: direct members only).
 *
 * member_id is utf8mb4_bin like every other key: `E100` and `e100` are two
 * people. Key size: (32 + 191) × 4 = 892 bytes; (32 + 191) × 4 for the
 * organization index, well under InnoDB's 3072.
 */
import type { Knex } from 'knex';
import type { Dialect } from '../connection.js';
import { TABLES } from '../tables.js';
import { columnTypes } from './columnTypes.js';
import type { OrgsyncMigration } from './types.js';

async function up(knex: Knex, dialect: Dialect): Promise<void> {
  const type = columnTypes(dialect);
  await knex.schema.createTable(TABLES.departmentMembers, (t) => {
    if (dialect === 'mysql') {
      t.engine('InnoDB');
      t.charset('utf8mb4');
      t.collate('utf8mb4_unicode_ci');
    }
    t.specificType('department_id', type.binaryText(32))
      .notNullable()
      .references('id')
      .inTable(TABLES.departments)
      .onDelete('CASCADE');
    t.specificType('member_id', type.binaryText(191)).notNullable();
    t.specificType('organization_id', type.binaryText(32))
      .notNullable()
      .references('id')
      .inTable(TABLES.organizations)
      .onDelete('RESTRICT');
    t.specificType('created_at', type.datetime).notNullable();
    t.specificType('last_import_run_id', type.binaryText(32)).nullable();
    t.primary(['department_id', 'member_id']);
    // Loading an organization's memberships, and "which departments is this person in".
    t.index(['organization_id', 'member_id'], 'department_members_org_member_idx');
  });
}

async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists(TABLES.departmentMembers);
}

export const membersMigration: OrgsyncMigration = { name: '0003_members', up, down };
