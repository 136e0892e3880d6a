/**
 * A subtree by its path prefix (issue 12): a move rewrites, and a cascade
 * deactivation reads, the rows whose path starts with `<path>/`. Without an
 * index on path that is a scan of the whole organization, and under the API's
 * row locking a locking scan locks every row it reads: one move would lock the
 * whole organization against every other API write. With this index the scan
 * (and its locks) is the subtree's index range.
 *
 * MySQL/MariaDB cannot index a TEXT column whole: the first 255 characters
 * (1,020 bytes in utf8mb4, with the 32-byte organization id well under
 * InnoDB's 3,072) narrow the range, and the rows are checked against the full
 * prefix. A path is `/dept_<26>` per level (31 characters), so 255 characters
 * tell apart subtrees down to the eighth level; deeper ones share a range
 * with their siblings'. SQLite has (organization_id, path) since 0014.
 */
import type { Knex } from 'knex';
import { TABLES } from '../tables.js';
import type { Dialect } from '../connection.js';
import type { OrgsyncMigration } from './types.js';

const INDEX = 'departments_org_path_prefix_idx';

async function up(knex: Knex, dialect: Dialect): Promise<void> {
  if (dialect !== 'mysql') return;
  await knex.raw(`CREATE INDEX ${INDEX} ON ${TABLES.departments} (organization_id, path(255))`);
}

async function down(knex: Knex, dialect: Dialect): Promise<void> {
  if (dialect !== 'mysql') return;
  await knex.raw(`DROP INDEX ${INDEX} ON ${TABLES.departments}`);
}

export const departmentPathPrefixMigration: OrgsyncMigration = { name: '0013_department_path_prefix', up, down };
