/**
 * Who runs a run (issue 11, item 11).
 *
 * import_runs gains owner_id (the CLI process or worker running it) and
 * lease_expires_at (until when that owner vouches for it). The owner renews
 * the lease while it runs; a `running` run whose lease has expired lost its
 * owner (a SIGKILLed `orgsync import`) and the sweep fails it RUN_ABANDONED,
 * instead of leaving it `running` forever. Runs from before this migration
 * have no lease and are left as they are.
 */
import type { Knex } from 'knex';
import type { Dialect } from '../connection.js';
import { TABLES } from '../tables.js';
import { columnTypes } from './columnTypes.js';
import type { OrgsyncMigration } from './types.js';

async function up(knex: Knex, dialect: Dialect): Promise<void> {
  const type = columnTypes(dialect);
  await knex.schema.alterTable(TABLES.importRuns, (t) => {
    t.specificType('owner_id', type.binaryText(128)).nullable();
    t.specificType('lease_expires_at', type.datetime).nullable();
    // The sweep's question: running runs whose lease has expired.
    t.index(['status', 'lease_expires_at'], 'import_runs_status_lease_idx');
  });
}

async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable(TABLES.importRuns, (t) => {
    t.dropIndex(['status', 'lease_expires_at'], 'import_runs_status_lease_idx');
    t.dropColumns('owner_id', 'lease_expires_at');
  });
}

export const runOwnerMigration: OrgsyncMigration = { name: '0005_run_owner', up, down };
