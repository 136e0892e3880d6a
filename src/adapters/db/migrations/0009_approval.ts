/**
 * Who may approve, and who did (issue 13, "See the plan before it happens").
 *
 * api_tokens.role: what an organization token may do, `read`, `write` (the
 * default, what every token created before could do) or `admin` (also approve).
 * api_tokens.can_approve: a write token that may approve too.
 * import_runs.submitted_by: the token (`tok_...`) or `cli:<os user>` that
 * started the run, so its own submitter can be refused the approval;
 * approved_by / approved_at: who applied a held plan, and when.
 */
import type { Knex } from 'knex';
import type { Dialect } from '../connection.js';
import { TABLES } from '../tables.js';
import { columnTypes } from './columnTypes.js';
import type { OrgsyncMigration } from './types.js';

async function up(knex: Knex, dialect: Dialect): Promise<void> {
  const type = columnTypes(dialect);
  await knex.schema.alterTable(TABLES.apiTokens, (t) => {
    t.string('role', 16).notNullable().defaultTo('write');
    t.boolean('can_approve').notNullable().defaultTo(false);
  });
  await knex.schema.alterTable(TABLES.importRuns, (t) => {
    t.string('submitted_by', 191).nullable();
    t.string('approved_by', 191).nullable();
    t.specificType('approved_at', type.datetime).nullable();
  });
}

async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable(TABLES.importRuns, (t) => {
    t.dropColumn('approved_at');
    t.dropColumn('approved_by');
    t.dropColumn('submitted_by');
  });
  await knex.schema.alterTable(TABLES.apiTokens, (t) => {
    t.dropColumn('can_approve');
    t.dropColumn('role');
  });
}

export const approvalMigration: OrgsyncMigration = { name: '0009_approval', up, down };
