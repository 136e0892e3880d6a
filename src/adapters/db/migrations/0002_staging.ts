/**
 * What the queue needs (issue 4).
 *
 * import_staging: the bytes of a queued import's input, and the plan a sync
 * holds for approval, stored where every worker can read them. Chunked
 * (stagingRepo writes 256 KiB per row) so that no statement comes near
 * max_allowed_packet, however large the file.
 *
 * import_runs gains:
 * - job_name: the queue job that processes the run; NULL for in-process runs
 *   (`orgsync import`), which the orphan sweeper must leave alone;
 * - active_submission_key: set while a queued run is queued or running and
 *   cleared when it finishes. UNIQUE, so two identical submissions racing each
 *   other cannot both create a run (NULLs never collide);
 * - attempts, lock_acquired_at, progress: what a worker did with the run, so
 *   the history (and the tests) can tell retries and overlaps apart;
 * - warnings: the report's warnings, so a report rebuilt from the database
 *   (`enqueue --wait`) says what the in-process import said;
 * - plan_fingerprint: for needs_approval runs, a hash of the organization's
 *   departments the held plan was made from.
 *
 * import_row_results gains resolved_by_run_id: the retry run in which a failed
 * row went through.
 */
import type { Knex } from 'knex';
import type { Dialect } from '../connection.js';
import { TABLES } from '../tables.js';
import { columnTypes } from './columnTypes.js';
import type { OrgsyncMigration } from './types.js';

async function up(knex: Knex, dialect: Dialect): Promise<void> {
  const type = columnTypes(dialect);

  await knex.schema.createTable(TABLES.importStaging, (t) => {
    if (dialect === 'mysql') {
      t.engine('InnoDB');
      t.charset('utf8mb4');
      t.collate('utf8mb4_unicode_ci');
    }
    t.specificType('run_id', type.binaryText(32))
      .notNullable()
      .references('id')
      .inTable(TABLES.importRuns)
      .onDelete('CASCADE');
    t.string('kind', 16).notNullable(); // input | plan | rowmap
    t.integer('chunk_no').notNullable();
    // MEDIUMBLOB holds up to 16 MiB; chunks are 256 KiB. SQLite: BLOB has no limit to speak of.
    t.specificType('data', dialect === 'mysql' ? 'mediumblob' : 'blob').notNullable();
    t.primary(['run_id', 'kind', 'chunk_no']);
  });

  await knex.schema.alterTable(TABLES.importRuns, (t) => {
    t.string('job_name', 32).nullable();
    t.specificType('active_submission_key', type.binaryText(64)).nullable();
    t.integer('attempts').notNullable().defaultTo(0);
    t.specificType('lock_acquired_at', type.datetime).nullable();
    t.specificType('progress', type.json).nullable();
    t.specificType('warnings', type.json).nullable();
    t.specificType('plan_fingerprint', type.binaryText(64)).nullable();
    t.unique(['active_submission_key'], { indexName: 'import_runs_active_submission_uq' });
  });

  await knex.schema.alterTable(TABLES.importRowResults, (t) => {
    t.specificType('resolved_by_run_id', type.binaryText(32)).nullable();
  });
}

async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists(TABLES.importStaging);
  await knex.schema.alterTable(TABLES.importRowResults, (t) => {
    t.dropColumn('resolved_by_run_id');
  });
  await knex.schema.alterTable(TABLES.importRuns, (t) => {
    t.dropUnique(['active_submission_key'], 'import_runs_active_submission_uq');
    t.dropColumns('job_name', 'active_submission_key', 'attempts', 'lock_acquired_at', 'progress', 'warnings', 'plan_fingerprint');
  });
}

export const stagingMigration: OrgsyncMigration = { name: '0002_staging', up, down };
