/**
 * Issue 15 (the fresh import's write cost): an import no longer writes one
 * `department_history` row per department it creates. It writes one row for
 * all of its creates (the run's "creates row": department_id '', action
 * `created`, no values), and each created department carries that row's id in
 * `created_history_id`, set by the same multi-row INSERT that writes the
 * department (no extra statement). History reads expand the creates row into
 * one `created` entry per department (adapters/db/historyBatch.ts).
 *
 * Why: 100,000 small history rows cost the server ~0.5-2 s in the import's
 * transaction (a second row per department, in a table with three secondary
 * indexes); a column in the row being inserted anyway costs next to nothing.
 *
 * The index (created_history_id, id) lists a creates row's departments in id
 * order, a page at a time: a run's changes and the organization's history are
 * keyset-paginated through it. No organization_id in it: a history id belongs
 * to one organization, and this index is what the column costs an import
 * (an entry per created department): the narrower, the cheaper. Its
 * entries are appended in order by an import (one value per run, ULID ids),
 * and are NULL for departments created otherwise (department API, rows
 * written before this migration), which keep their own history rows.
 * Nothing is backfilled.
 */
import type { Knex } from 'knex';
import type { Dialect } from '../connection.js';
import { TABLES } from '../tables.js';
import type { OrgsyncMigration } from './types.js';

const COLUMN = 'created_history_id';
const INDEX = 'departments_created_history_idx';

async function up(knex: Knex, dialect: Dialect): Promise<void> {
  await knex.schema.alterTable(TABLES.departments, (t) => {
    // department_history.id is bigIncrements (unsigned on MySQL).
    if (dialect === 'mysql') t.bigInteger(COLUMN).unsigned().nullable();
    else t.bigInteger(COLUMN).nullable();
    t.index([COLUMN, 'id'], INDEX);
  });
}

/**
 * Down loses which departments a creates row holds: their `created` entries
 * disappear from the history (the creates rows stay, expanding to nothing).
 * Raw DROP COLUMN: SQLite has it since 3.35 (the index goes first), and knex's
 * SQLite fallback would copy the table.
 */
async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable(TABLES.departments, (t) => {
    t.dropIndex([COLUMN, 'id'], INDEX);
  });
  await knex.raw('ALTER TABLE ?? DROP COLUMN ??', [TABLES.departments, COLUMN]);
}

export const departmentCreatedHistoryMigration: OrgsyncMigration = { name: '0015_department_created_history', up, down };
