/**
 * The department API's list and tree (issue 12), and the activity rule.
 *
 * Indexes: a list page is a keyset range in (name, id) order. Each filter
 * combination must be an index range whatever the organization's size, so:
 *   (organization_id, is_active, name, id): the whole organization, `is_active`
 *     and `name` filters (without an is_active filter the list reads the two
 *     ranges is_active = 0 and 1 and merges them: two ranges of one page each);
 *   (organization_id, parent_id, is_active, name, id): the same under one parent.
 * code and openDepartmentId filters use their unique indexes.
 * SQLite also gets (organization_id, path): the tree is read in keyset pages
 * by path there. MySQL/MariaDB cannot index the TEXT path; its tree is one
 * streamed query (adapters/db/departmentViews.ts).
 *
 * Data: "an active department never sits under an inactive one" holds for
 * every write from now on (API and import); stores written before may hold
 * active departments under inactive ones ("legacy" data, on which the list,
 * the API tree and `orgsync tree --active` disagreed). Up deactivates them,
 * a level at a time, so the rule holds in every store. Nothing stored is
 * silently altered: each deactivation is a department_history row
 * ('deactivated', {isActive:true} -> {isActive:false}, actor
 * `migration:0014`, no run), written in the migration's transaction, so
 * `orgsync history` shows it and a department can be reactivated knowing it
 * was; and up reports how many it changed (`orgsync migrate` prints it).
 * Down drops the indexes only: reactivating would break the rule again.
 */
import type { Knex } from 'knex';
import type { Dialect } from '../connection.js';
import { TABLES } from '../tables.js';
import { toDbDateTime } from '../values.js';
import type { MigrationNote, OrgsyncMigration } from './types.js';

const ACTIVE_NAME = ['organization_id', 'is_active', 'name', 'id'];
const PARENT_ACTIVE_NAME = ['organization_id', 'parent_id', 'is_active', 'name', 'id'];
const ORG_PATH = ['organization_id', 'path'];

/** Who made the repair's changes, in department_history. */
export const REPAIR_ACTOR = 'migration:0014';

interface Found {
  id: string;
  organization_id: string;
}

/** Rows per UPDATE ... IN and per history INSERT: well within both dialects' bound-parameter limits. */
const CHUNK = 500;

/**
 * Deactivates every active department that has an inactive ancestor, a level
 * of the longest such chain at a time (usually none: one query), recording
 * each in department_history with `actor` and no run. Returns how many
 * departments it deactivated. Run it inside a transaction (a migration is
 * one): the history rows then commit with the change or not at all.
 */
export async function deactivateUnderInactive(knex: Knex, _dialect: Dialect, now: Date = new Date(), actor: string = REPAIR_ACTOR): Promise<number> {
  const at = toDbDateTime(now);
  const before = JSON.stringify({ isActive: true });
  const after = JSON.stringify({ isActive: false });
  let total = 0;
  for (;;) {
    const found = (await knex(`${TABLES.departments} as c`)
      .join(`${TABLES.departments} as p`, 'p.id', 'c.parent_id')
      .where('c.is_active', true)
      .andWhere('p.is_active', false)
      .select('c.id', 'c.organization_id')
      .orderBy('c.id')) as Found[];
    if (found.length === 0) return total;
    for (let i = 0; i < found.length; i += CHUNK) {
      const chunk = found.slice(i, i + CHUNK);
      await knex(TABLES.departments)
        .update({ is_active: false, updated_at: at })
        .whereIn(
          'id',
          chunk.map((d) => d.id),
        );
      await knex(TABLES.departmentHistory).insert(
        chunk.map((d) => ({
          organization_id: d.organization_id,
          department_id: d.id,
          action: 'deactivated',
          before_values: before,
          after_values: after,
          run_id: null,
          request_id: null,
          actor,
          created_at: at,
        })),
      );
    }
    total += found.length;
  }
}

async function up(knex: Knex, dialect: Dialect, note?: MigrationNote): Promise<void> {
  // The repair first, in the migration's transaction: MySQL commits it (the
  // deactivations with their history rows, together) at the first DDL below.
  const changed = await deactivateUnderInactive(knex, dialect);
  if (changed > 0) {
    note?.(
      `deactivated ${changed} active department(s) under an inactive one (an active department never sits under an inactive one); ` +
        `each is in the department history as 'deactivated' by ${REPAIR_ACTOR}`,
    );
  }
  await knex.schema.alterTable(TABLES.departments, (t) => {
    t.index(ACTIVE_NAME, 'departments_org_active_name_idx');
    t.index(PARENT_ACTIVE_NAME, 'departments_org_parent_active_name_idx');
    if (dialect === 'sqlite') t.index(ORG_PATH, 'departments_org_path_idx');
  });
}

async function down(knex: Knex, dialect: Dialect): Promise<void> {
  await knex.schema.alterTable(TABLES.departments, (t) => {
    t.dropIndex(ACTIVE_NAME, 'departments_org_active_name_idx');
    t.dropIndex(PARENT_ACTIVE_NAME, 'departments_org_parent_active_name_idx');
    if (dialect === 'sqlite') t.dropIndex(ORG_PATH, 'departments_org_path_idx');
  });
}

export const departmentListingMigration: OrgsyncMigration = { name: '0014_department_listing', up, down };
