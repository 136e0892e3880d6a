/**
 * The initial schema.
 *
 * Collations (MySQL/MariaDB):
 * - Tables default to utf8mb4 (4-byte characters such as emoji and CJK
 *   extension B round-trip) with utf8mb4_unicode_ci, which exists on both MySQL
 *   8 and MariaDB, for columns we never compare on.
 * - Department names, codes, openDepartmentIds and organization codes use
 *   utf8mb4_bin: the planner compares them exactly (`Sales` ≠ `sales`,
 *   `Café` ≠ `Cafe`), and the unique indexes must agree with the planner or an
 *   import it judged valid would fail with a duplicate key. utf8mb4_bin is a
 *   PAD SPACE collation, so `a` and `a ` compare equal; that is harmless
 *   because the application stores names and keys trimmed (and NFC-normalised).
 * - Ids (and name_scope_key, which holds ids) use utf8mb4_bin too, not ascii:
 *   MySQL refuses to compare an ascii column with a utf8mb4 string holding a
 *   non-ASCII character ("Illegal mix of collations"), so `orgsync report
 *   run_ø` would crash instead of finding nothing. Storage is the same (ids
 *   are ASCII, and InnoDB stores VARCHAR bytes actually used) and every index
 *   still fits. Foreign keys need the same charset on both sides: all id
 *   columns share this one.
 *
 * Index key sizes (InnoDB DYNAMIC rows allow 3072 bytes; utf8mb4 counts 4 per character):
 * - departments (organization_id, code): 32×4 + 512×4 = 2176 bytes; likewise open_department_id.
 * - departments (organization_id, name_scope_key, name): 32×4 + 40×4 + 255×4 = 1308 bytes.
 * - organizations (code): 191×4 = 764 bytes; import_runs (organization_code, created_at): 764 + 7.
 *
 * SQLite compares text byte-wise (BINARY collation), which is exactly what we
 * want, and does not enforce lengths: the application validates them.
 */
import type { Knex } from 'knex';
import type { Dialect } from '../connection.js';
import { TABLES } from '../tables.js';
import { columnTypes } from './columnTypes.js';
import type { OrgsyncMigration } from './types.js';

function tableOptions(t: Knex.CreateTableBuilder, dialect: Dialect): void {
  if (dialect !== 'mysql') return;
  t.engine('InnoDB'); // transactions, row locks and foreign keys
  t.charset('utf8mb4');
  t.collate('utf8mb4_unicode_ci');
}

async function up(knex: Knex, dialect: Dialect): Promise<void> {
  const type = columnTypes(dialect);

  await knex.schema.createTable(TABLES.organizations, (t) => {
    tableOptions(t, dialect);
    // Explicitly NOT NULL: SQLite, unlike MySQL, lets a non-INTEGER primary key hold NULL.
    t.specificType('id', type.binaryText(32)).notNullable().primary(); // org_ + ULID
    t.specificType('code', type.binaryText(191)).notNullable().unique({ indexName: 'organizations_code_uq' });
    t.string('name', 255).notNullable();
    // 'organization': names are unique in the whole organization;
    // 'siblings': only among departments with the same parent.
    t.string('name_scope', 16).notNullable().defaultTo('organization');
    t.specificType('created_at', type.datetime).notNullable();
    t.specificType('updated_at', type.datetime).notNullable();
  });

  await knex.schema.createTable(TABLES.departments, (t) => {
    tableOptions(t, dialect);
    t.specificType('id', type.binaryText(32)).notNullable().primary(); // dept_ + ULID
    t.specificType('organization_id', type.binaryText(32))
      .notNullable()
      .references('id')
      .inTable(TABLES.organizations)
      .onDelete('RESTRICT');
    t.specificType('name', type.binaryText(255)).notNullable();
    t.text('description').nullable();
    t.specificType('code', type.binaryText(512)).nullable();
    t.specificType('open_department_id', type.binaryText(512)).nullable();
    t.specificType('parent_id', type.binaryText(32))
      .nullable()
      .references('id')
      .inTable(TABLES.departments)
      .onDelete('RESTRICT');
    t.text('path').notNullable(); // `/dept_root/.../dept_self`
    t.integer('depth').notNullable(); // 0 = top level
    t.string('location', 1024).nullable();
    t.specificType('i18n', type.json).nullable();
    t.specificType('custom_data', type.json).nullable();
    t.specificType('leader_user_ids', type.json).nullable();
    t.specificType('post_ids', type.json).nullable();
    t.boolean('is_virtual').notNullable().defaultTo(false);
    t.boolean('is_active').notNullable().defaultTo(true);
    t.string('color', 32).nullable();
    t.string('tenant_id', 191).nullable();
    t.integer('member_count').notNullable().defaultTo(0);
    t.specificType('created_at', type.datetime).notNullable();
    t.specificType('updated_at', type.datetime).notNullable();
    t.specificType('last_import_run_id', type.binaryText(32)).nullable();
    // Makes the name unique index follow the organization's name scope:
    // '' for scope 'organization' (one namespace), the parent id ('#root' at
    // top level) for 'siblings'. applyPlan briefly sets '~' + id while moving
    // rows, so swaps inside one import cannot collide.
    t.specificType('name_scope_key', type.binaryText(40)).notNullable();

    // NULL codes / openDepartmentIds do not collide: both engines allow many NULLs in a unique index.
    t.unique(['organization_id', 'code'], { indexName: 'departments_org_code_uq' });
    t.unique(['organization_id', 'open_department_id'], { indexName: 'departments_org_open_id_uq' });
    t.unique(['organization_id', 'name_scope_key', 'name'], { indexName: 'departments_org_scope_name_uq' });
    t.index(['organization_id', 'parent_id'], 'departments_org_parent_idx');
  });

  await knex.schema.createTable(TABLES.importRuns, (t) => {
    tableOptions(t, dialect);
    t.specificType('id', type.binaryText(32)).notNullable().primary(); // run_ + ULID
    // Nullable: a run that failed because its organization does not exist has none.
    t.specificType('organization_id', type.binaryText(32)).nullable().references('id').inTable(TABLES.organizations);
    // Binary, like organizations.code, so listing runs by code matches exactly.
    t.specificType('organization_code', type.binaryText(191)).notNullable();
    t.string('source_name', 1024).notNullable();
    t.specificType('input_sha256', type.binaryText(64)).nullable(); // hex SHA-256 of the input bytes
    t.string('format', 16).nullable(); // csv | yaml | json; null when not recognised
    // The input's column names in file order, for the fix-and-reimport CSV. Needed
    // because MySQL 8's JSON type does not keep object key order, so `raw` cannot tell.
    t.specificType('input_columns', type.json).nullable();
    t.string('mode', 16).notNullable(); // upsert | sync
    t.specificType('options', type.json).notNullable();
    t.boolean('dry_run').notNullable().defaultTo(false);
    // queued | running | completed | completed_with_errors | failed | needs_approval
    t.string('status', 32).notNullable();
    t.specificType('counts', type.json).nullable();
    t.string('error_code', 64).nullable();
    t.text('error_message').nullable();
    t.integer('error_line').nullable();
    t.specificType('created_at', type.datetime).notNullable();
    t.specificType('started_at', type.datetime).nullable();
    t.specificType('finished_at', type.datetime).nullable();
    t.specificType('parent_run_id', type.binaryText(32)).nullable(); // the run this one retries or approves
    t.index(['organization_code', 'created_at'], 'import_runs_org_code_created_idx');
    t.index(['status'], 'import_runs_status_idx');
  });

  await knex.schema.createTable(TABLES.importRowResults, (t) => {
    tableOptions(t, dialect);
    t.bigIncrements('id').primary();
    t.specificType('run_id', type.binaryText(32))
      .notNullable()
      .references('id')
      .inTable(TABLES.importRuns)
      .onDelete('CASCADE');
    // ROW_NUMBER is a reserved word on MySQL 8: knex quotes it, raw SQL must too.
    t.integer('row_number').nullable(); // null for a deactivation, which has no input row
    t.string('department_key', 512).nullable();
    t.specificType('department_id', type.binaryText(32)).nullable();
    // created | updated | moved | merged | failed | skipped | deactivated
    t.string('action', 16).notNullable();
    t.string('error_code', 64).nullable();
    t.string('field', 64).nullable();
    t.text('message').nullable();
    t.specificType('raw', type.json).nullable(); // the input record of failed/skipped rows
    t.index(['run_id', 'row_number'], 'import_row_results_run_row_idx');
  });

  // SQLite only (lock.ts): writing a row here takes the database write lock.
  // Created on MySQL too so both schemas are the same.
  await knex.schema.createTable(TABLES.importLocks, (t) => {
    tableOptions(t, dialect);
    t.specificType('lock_name', type.binaryText(64)).notNullable().primary();
    t.specificType('locked_at', type.datetime).notNullable();
  });
}

async function down(knex: Knex): Promise<void> {
  for (const table of [
    TABLES.importLocks,
    TABLES.importRowResults,
    TABLES.importRuns,
    TABLES.departments,
    TABLES.organizations,
  ]) {
    await knex.schema.dropTableIfExists(table);
  }
}

export const initialMigration: OrgsyncMigration = { name: '0001_initial', up, down };
