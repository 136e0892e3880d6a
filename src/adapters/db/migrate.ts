/**
 * Brings the schema up to date. Knex records applied migrations in
 * `orgsync_migrations` (our own name, so a database shared with another
 * knex-based application cannot mix histories) and serialises concurrent
 * migrators through `orgsync_migrations_lock`.
 */
import type { Knex } from 'knex';
import type { Db, Dialect } from './connection.js';
import { MIGRATIONS } from './migrations/index.js';
import type { OrgsyncMigration } from './migrations/types.js';

export const MIGRATIONS_TABLE = 'orgsync_migrations';

/** `note`: called with each line a migration reports about the stored data it changed, prefixed with its name. */
export function migrationSource(dialect: Dialect, note?: (text: string) => void): Knex.MigrationSource<OrgsyncMigration> {
  return {
    getMigrations: async () => [...MIGRATIONS],
    getMigrationName: (migration) => migration.name,
    getMigration: async (migration) => ({
      up: (knex: Knex) => migration.up(knex, dialect, note && ((text) => note(`${migration.name}: ${text}`))),
      down: (knex: Knex) => migration.down(knex, dialect),
    }),
  };
}

function migratorConfig(db: Db, note?: (text: string) => void): Knex.MigratorConfig {
  return { migrationSource: migrationSource(db.dialect, note), tableName: MIGRATIONS_TABLE };
}

export interface MigrateResult {
  /** The migrations this call applied, in order (empty when the schema was current). */
  applied: string[];
  /** What they changed in stored data, a line each (`0014_department_listing: deactivated 3 ...`). */
  notes: string[];
}

/** Applies every pending migration. Safe to call on every start-up. */
export async function migrateLatest(db: Db): Promise<MigrateResult> {
  const notes: string[] = [];
  const [, applied] = (await db.knex.migrate.latest(migratorConfig(db, (text) => notes.push(text)))) as [unknown, string[]];
  return { applied: [...applied], notes };
}

/** Undoes every applied migration (tests and `orgsync db reset`). */
export async function migrateRollbackAll(db: Db): Promise<void> {
  await db.knex.migrate.rollback(migratorConfig(db), true);
}

/** Names of the migrations not yet applied, in order (empty when the schema is current). */
export async function pendingMigrations(db: Db): Promise<string[]> {
  const [, pending] = (await db.knex.migrate.list(migratorConfig(db))) as [unknown[], OrgsyncMigration[]];
  return pending.map((m) => m.name);
}
