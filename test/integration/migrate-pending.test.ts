/**
 * pendingMigrations (src/adapters/db/migrate.ts), the check every CLI command
 * makes on MySQL/MariaDB before it starts: one SELECT of the migration history.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pendingMigrations } from '../../src/adapters/db/index.js';
import { MIGRATIONS_TABLE } from '../../src/adapters/db/migrate.js';
import { MIGRATIONS } from '../../src/adapters/db/migrations/index.js';
import { dialects, openTestDatabase, type TestDb } from '../support/db.js';

describe.each(dialects)('pendingMigrations (%s)', (dialect) => {
  let db: TestDb;
  const names = MIGRATIONS.map((m) => m.name);

  beforeAll(async () => {
    db = await openTestDatabase(dialect, 'pending');
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('lists nothing on a migrated database', async () => {
    expect(await pendingMigrations(db)).toEqual([]);
  });

  it('lists the migrations missing from the history, in order', async () => {
    const [first, , third] = names;
    await db.knex(MIGRATIONS_TABLE).whereIn('name', [third!, first!]).delete();
    expect(await pendingMigrations(db)).toEqual([first, third]);
  });

  it('refuses a history naming a migration this version does not have', async () => {
    await db.knex(MIGRATIONS_TABLE).insert({ name: '9999_from_the_future', batch: 99, migration_time: new Date() });
    await expect(pendingMigrations(db)).rejects.toThrow(/migration directory is corrupt.*9999_from_the_future/);
  });

  it('lists every migration, creating nothing, when there is no history table', async () => {
    await db.knex.schema.dropTable(MIGRATIONS_TABLE);
    expect(await pendingMigrations(db)).toEqual(names);
    expect(await db.knex.schema.hasTable(MIGRATIONS_TABLE)).toBe(false);
  });
});
