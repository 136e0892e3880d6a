/**
 * The import's bulk load of an organization's departments on MySQL/MariaDB,
 * compact: streamed, and without the text of paths that are what they should be.
 *
 * - The database compares each stored path with its parent's path plus '/'
 *   and its id (bytes, not a collation), and the depth with its parent's
 *   plus one, and sends the path only when they differ (normally never):
 *   the planner builds the others as shared strings (core/plan/storedPaths.ts,
 *   composeCheckedPaths), and each parentId becomes its parent's id string as
 *   the row arrives (core/plan/checkedLoad.ts). A flat path is ~33 bytes a level, ~250 bytes for a
 *   department at depth 7: at 1,000,000 departments ~250 MB that the load
 *   held only for the planner to compare and drop.
 * - Rows are converted as they arrive (mysql2's stream, rows as arrays), so
 *   the whole result set is never held as arrays of values beside the
 *   departments (~190 bytes a row).
 * - Ordered by depth, then id: the order of the organization's (organization_id,
 *   depth, id) index, so the server sends rows as it reads them, where `ORDER
 *   BY id` made it sort every row before sending the first (measured on MariaDB
 *   10.11, 100,000 departments: first row after 120-190 ms against 1-20 ms, the
 *   whole load ~0.15 s shorter, while this process idles waiting). The planner
 *   then finds each parent by binary search in the level above (storedPaths.ts).
 */
import type { Knex } from 'knex';
import type { StoredDepartment } from '../../core/model.js';
import { CheckedLoad } from '../../core/plan/checkedLoad.js';
import { LOAD_COLUMNS, toDepartmentFromValues } from './departmentRows.js';
import { TABLES } from './tables.js';

/** The path column's expression: NULL when the path is consistent (see above), else the stored path. */
const PATH_OR_NULL = [
  'CASE',
  "WHEN c.parent_id IS NULL AND c.depth = 0 AND c.path = CAST(CONCAT('/', c.id) AS BINARY) THEN NULL",
  "WHEN p.id IS NOT NULL AND c.depth = p.depth + 1 AND c.path = CAST(CONCAT(p.path, '/', c.id) AS BINARY) THEN NULL",
  'ELSE c.path END',
].join(' ');

const PATH_AT = LOAD_COLUMNS.indexOf('path');

const SELECT_LIST = LOAD_COLUMNS.map((c) => (c === 'path' ? `${PATH_OR_NULL} AS path` : `c.\`${c}\``)).join(', ');

/**
 * The hint: without one, the optimizer may walk the whole primary key (every
 * organization's departments) once an organization holds more than a few
 * percent of the table (with `ORDER BY id`, measured on MariaDB 10.11 with
 * eight 100,000-department organizations: 2.4 s of mostly page reads against
 * 0.4 s through the organization's index). The parent is found by its primary
 * key (same organization: a parent elsewhere is not the planner's parent either).
 */
const FROM = `\`${TABLES.departments}\` AS c FORCE INDEX (departments_org_depth_id_idx) LEFT JOIN \`${TABLES.departments}\` AS p ON p.id = c.parent_id AND p.organization_id = c.organization_id`;

/** `onEach`: sees each department as it arrives (core/plan/loadTextSharing.ts). */
export async function loadCheckedMysql(runner: Knex | Knex.Transaction, organizationId: string, onEach?: (d: StoredDepartment) => void): Promise<StoredDepartment[]> {
  const load = new CheckedLoad(onEach);
  const stream = runner
    .select(runner.raw(SELECT_LIST))
    .fromRaw(FROM)
    .where('c.organization_id', organizationId)
    .orderBy([{ column: 'c.depth' }, { column: 'c.id' }])
    .options({ rowsAsArray: true })
    .stream();
  await new Promise<void>((resolve, reject) => {
    stream.on('data', (values: unknown[]) => {
      const consistent = values[PATH_AT] === null;
      if (consistent) values[PATH_AT] = '';
      load.add(toDepartmentFromValues(values, organizationId), consistent);
    });
    stream.on('error', reject);
    stream.on('end', () => resolve());
  });
  return load.finish();
}
