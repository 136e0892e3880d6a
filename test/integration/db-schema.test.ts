/**
 * The schema itself: migrations, the exactness of unique keys, Unicode
 * round-trips and the server check, on both dialects.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkDatabase,
  DatabaseCheckError,
  departmentsRepo,
  isDuplicateKeyError,
  migrateLatest,
  pendingMigrations,
} from '../../src/adapters/db/index.js';
import type { Organization } from '../../src/core/model.js';
import { dialects, openTestDatabase, type TestDb } from '../support/db.js';
import { createTestOrganization, department, plan } from '../support/dbFixtures.js';

describe.each(dialects)('database schema (%s)', (dialect) => {
  let db: TestDb;
  let org: Organization;

  beforeAll(async () => {
    db = await openTestDatabase(dialect, 'schema');
    org = await createTestOrganization(db, 'organization');
  });
  afterAll(async () => {
    await db?.drop();
  });

  const create = (...names: string[]) =>
    db.knex.transaction((trx) =>
      departmentsRepo(db).applyPlan(trx, org, plan({ creates: names.map((n) => department(org, n)) }), {
        runId: 'run_test',
        now: new Date(),
      }),
    );

  it('runs the migrations again without error, with nothing pending', async () => {
    await migrateLatest(db);
    await migrateLatest(db);
    expect(await pendingMigrations(db)).toEqual([]);
  });

  it('passes the server check on a correctly set up database', async () => {
    await expect(checkDatabase(db)).resolves.toBeUndefined();
  });

  it('compares names case- and accent-sensitively', async () => {
    const nfc = 'Caf\u00e9';
    await create('Sales', 'sales', nfc, 'Cafe', 'SALES');
    const names = (await departmentsRepo(db).loadForOrganization(org.id)).map((d) => d.name);
    expect(names).toEqual(expect.arrayContaining(['Sales', 'sales', nfc, 'Cafe', 'SALES']));
  });

  it('rejects a second department with the same name in organization scope', async () => {
    const err = await create('Sales').catch((e: unknown) => e);
    expect(isDuplicateKeyError(err)).toBe(true);
  });

  it('rejects a duplicate code but allows any number of departments without one', async () => {
    await create('No code 1', 'No code 2');
    await db.knex.transaction((trx) =>
      departmentsRepo(db).applyPlan(trx, org, plan({ creates: [department(org, 'Coded', undefined, { code: 'C-1' })] }), {
        runId: 'run_test',
        now: new Date(),
      }),
    );
    const err = await db.knex
      .transaction((trx) =>
        departmentsRepo(db).applyPlan(trx, org, plan({ creates: [department(org, 'Coded 2', undefined, { code: 'C-1' })] }), {
          runId: 'run_test',
          now: new Date(),
        }),
      )
      .catch((e: unknown) => e);
    expect(isDuplicateKeyError(err)).toBe(true);
  });

  it('round-trips a 255-character name of 4-byte characters and 512-character codes', async () => {
    const emoji = '\u{1F600}'.repeat(255);
    const cjkExtB = '\u{20000}'.repeat(255);
    const asciiCode = 'c'.repeat(512);
    const wideCode = '\u{1F680}'.repeat(512);
    const creates = [
      department(org, emoji, undefined, { code: asciiCode, openDepartmentId: wideCode }),
      department(org, cjkExtB, undefined, { code: wideCode, description: '\u{1F600} 描述' }),
    ];
    await db.knex.transaction((trx) =>
      departmentsRepo(db).applyPlan(trx, org, plan({ creates }), { runId: 'run_test', now: new Date() }),
    );
    const loaded = await departmentsRepo(db).loadForOrganization(org.id);
    expect(loaded.find((d) => d.id === creates[0]?.id)).toEqual(creates[0]);
    expect(loaded.find((d) => d.id === creates[1]?.id)).toEqual(creates[1]);
  });

  if (dialect === 'mysql') {
    it('rejects an over-long name instead of truncating it (strict mode)', async () => {
      await expect(create('x'.repeat(256))).rejects.toThrow(/too long|Data too long/i);
    });

    it('refuses a session that is not in strict mode', async () => {
      await db.knex.transaction(async (trx) => {
        await trx.raw("SET SESSION sql_mode = ''");
        try {
          const err = await checkDatabase(db, trx).catch((e: unknown) => e);
          expect(err).toBeInstanceOf(DatabaseCheckError);
          expect(String((err as Error).message)).toMatch(/STRICT_TRANS_TABLES/);
        } finally {
          // The session goes back to the pool: restore the server default.
          await trx.raw('SET SESSION sql_mode = DEFAULT');
        }
      });
    });

    it('refuses tables that are not utf8mb4, and key columns that are not binary', async () => {
      await db.knex.raw('ALTER TABLE import_locks DEFAULT CHARACTER SET latin1');
      await db.knex.raw(
        'ALTER TABLE organizations MODIFY code varchar(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci NOT NULL',
      );
      try {
        const err = await checkDatabase(db).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(DatabaseCheckError);
        const problems = (err as DatabaseCheckError).problems;
        expect(problems).toHaveLength(2);
        expect(problems[0]).toMatch(/import_locks .*latin1/);
        expect(problems[1]).toMatch(/organizations\.code .*utf8mb4_general_ci/);
      } finally {
        await db.knex.raw('ALTER TABLE import_locks DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci');
        await db.knex.raw(
          'ALTER TABLE organizations MODIFY code varchar(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL',
        );
      }
      await expect(checkDatabase(db)).resolves.toBeUndefined();
    });
  } else {
    it('has foreign keys enforced and WAL journaling', async () => {
      const [fk] = (await db.knex.raw('PRAGMA foreign_keys')) as { foreign_keys: number }[];
      const [journal] = (await db.knex.raw('PRAGMA journal_mode')) as { journal_mode: string }[];
      expect(fk?.foreign_keys).toBe(1);
      expect(journal?.journal_mode).toBe('wal');
      await expect(checkDatabase(db)).resolves.toBeUndefined();
    });
  }
});
