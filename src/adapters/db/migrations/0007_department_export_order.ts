/**
 * The export's order (issue 14): an organization's departments by (depth, id),
 * so parents come before their children, read in keyset pages. Without this
 * index every page sorts the whole organization (a filesort per page, so an
 * export of n departments costs n²/page); with it each page is an index range.
 * The existing (organization_id, parent_id) index cannot serve this order.
 */
import type { Knex } from 'knex';
import { TABLES } from '../tables.js';
import type { OrgsyncMigration } from './types.js';

async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable(TABLES.departments, (t) => {
    t.index(['organization_id', 'depth', 'id'], 'departments_org_depth_id_idx');
  });
}

async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable(TABLES.departments, (t) => {
    t.dropIndex(['organization_id', 'depth', 'id'], 'departments_org_depth_id_idx');
  });
}

export const departmentExportOrderMigration: OrgsyncMigration = { name: '0007_department_export_order', up, down };
