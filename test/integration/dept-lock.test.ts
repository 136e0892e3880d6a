/**
 * The organization's lock in its two modes (issue 12): API writes
 * (withDepartmentWrite) of one organization run side by side; an import
 * (withOrganizationLock) never runs beside one, plans from a snapshot that
 * includes every API write it waited for, and is not starved by a stream of
 * new ones; a wait for an import ends at the timeout with ORGANIZATION_BUSY.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LockTimeoutError, TABLES, withDepartmentWrite, withOrganizationLock } from '../../src/adapters/db/index.js';
import { dialects, openTestDatabase, type TestDb } from '../support/db.js';
import { call, envelopeOf, type HttpHarness, openHttpHarness, orgToken } from '../support/httpHarness.js';
import { importText } from '../support/importHarness.js';

let seq = 0;
const freshCode = () => `dlock-${Date.now()}-${++seq}`;

/** A flag the test opens when it wants a holder to finish. */
function gate(): { open: () => void; opened: Promise<void> } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

/** Resolves once `check` holds, polling (no timed assertion: the test's own timeout bounds it). */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await sleep(10);
}

describe.each(dialects)('withDepartmentWrite and withOrganizationLock (%s)', (dialect) => {
  let db: TestDb;

  beforeAll(async () => {
    db = await openTestDatabase(dialect, 'dept_lock');
    await db.knex.schema.createTable('lock_probe', (t) => {
      t.string('k', 64).primary();
      t.integer('v').notNullable();
    });
  });
  afterAll(async () => {
    await db?.drop();
  });

  const write = (code: string, fn: (trx: Knex.Transaction) => Promise<unknown>, timeoutSeconds = 10) => withDepartmentWrite(db, code, fn, { timeoutSeconds });
  const importing = (code: string, fn: (trx: Knex.Transaction) => Promise<unknown>, timeoutSeconds = 10) => withOrganizationLock(db, code, fn, { timeoutSeconds });

  it.runIf(dialect === 'mysql')('runs two API writes of one organization at the same time', async () => {
    const code = freshCode();
    let inside = 0;
    let both = false;
    const release = gate();
    const body = async () => {
      inside += 1;
      if (inside === 2) {
        both = true;
        release.open();
      }
      await release.opened;
      inside -= 1;
    };
    await Promise.all([write(code, body), write(code, body)]);
    expect(both).toBe(true);
  });

  it('an import waits for the API write in flight, and its snapshot includes that write', async () => {
    const code = freshCode();
    await db.knex('lock_probe').insert({ k: code, v: 0 });
    const release = gate();
    let writing = false;
    const api = write(code, async (trx) => {
      writing = true;
      await release.opened;
      await trx('lock_probe').where({ k: code }).update({ v: 1 });
    });
    await until(() => writing);
    let seen: number | undefined;
    const imp = importing(code, async (trx) => {
      seen = Number(((await trx('lock_probe').where({ k: code }).first()) as { v: number }).v);
    });
    await sleep(200);
    expect(seen).toBeUndefined();
    release.open();
    await Promise.all([api, imp]);
    expect(seen).toBe(1);
  });

  it('an API write waits for the import, and gives up after its timeout with ORGANIZATION_BUSY', async () => {
    const code = freshCode();
    const release = gate();
    let held = false;
    const imp = importing(code, async () => {
      held = true;
      await release.opened;
    });
    await until(() => held);
    let entered = false;
    const err = await write(
      code,
      async () => {
        entered = true;
      },
      1,
    ).catch((e: unknown) => e);
    expect(entered).toBe(false);
    expect(err).toBeInstanceOf(LockTimeoutError);
    expect((err as LockTimeoutError).code).toBe('ORGANIZATION_BUSY');
    release.open();
    await imp;
    // Once the import is done, the same write goes through.
    await write(code, async () => undefined, 1);
  });

  it.runIf(dialect === 'mysql')('a waiting import is not overtaken by API writes that arrive after it', async () => {
    const code = freshCode();
    const order: string[] = [];
    const release = gate();
    let writing = false;
    const first = write(code, async () => {
      writing = true;
      await release.opened;
      order.push('write 1');
    });
    await until(() => writing);
    const imp = importing(code, async () => {
      order.push('import');
    });
    // The import is queued for the row (InnoDB shows it waiting) before the next write asks.
    while (!(await statementRunning(db, 'FOR UPDATE'))) await sleep(10);
    // Sent is not yet queued: give InnoDB a moment to queue the import's request.
    await sleep(200);
    const second = write(code, async () => {
      order.push('write 2');
    });
    await sleep(300);
    release.open();
    await Promise.all([first, imp, second]);
    expect(order).toEqual(['write 1', 'import', 'write 2']);
  });

  it('leaves one lock row per organization in import_locks', async () => {
    const code = freshCode();
    const before = Number(((await db.knex(TABLES.importLocks).count({ n: '*' }).first()) as { n: unknown }).n);
    await write(code, async () => undefined);
    await write(code, async () => undefined);
    await importing(code, async () => undefined);
    const after = Number(((await db.knex(TABLES.importLocks).count({ n: '*' }).first()) as { n: unknown }).n);
    expect(after - before).toBe(1);
  });
});

// MySQL/MariaDB: on SQLite an import's transaction holds the pool's only connection, so a request waits for the connection itself.
describe('an API write while an import holds the organization (mysql)', () => {
  const dialect = 'mysql' as const;
  let h: HttpHarness;

  beforeAll(async () => {
    h = await openHttpHarness(dialect, 'dept_lock_http', { ORGSYNC_LOCK_TIMEOUT_SECONDS: '1' });
    await importText(h.db, 'code,name\nOPS,Operations\n', { org: 'busy' });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('answers 503 ORGANIZATION_BUSY with Retry-After after the lock timeout, and goes through once the import is done', async () => {
    const token = await orgToken(h.db, 'busy');
    const url = '/v1/organizations/busy/departments/code:OPS';
    const id = ((await call(h.app, token, 'GET', url)).json() as { id: string }).id;
    const release = gate();
    let held = false;
    const imp = withOrganizationLock(
      h.db,
      'busy',
      async () => {
        held = true;
        await release.opened;
      },
      { timeoutSeconds: 10 },
    );
    await until(() => held);
    const res = await call(h.app, token, 'PATCH', `/v1/organizations/busy/departments/${id}`, { json: { description: 'while importing' } });
    expect(res.statusCode).toBe(503);
    expect(envelopeOf(res).code).toBe('ORGANIZATION_BUSY');
    expect(res.headers['retry-after']).toBe('5');
    // A create, sent in its own round trips (adapters/db/departmentCreate.ts): the same answer, its transaction rolled back.
    const create = await call(h.app, token, 'POST', '/v1/organizations/busy/departments', { json: { name: 'While importing', parentCode: 'OPS' } });
    expect(create.statusCode).toBe(503);
    expect(envelopeOf(create).code).toBe('ORGANIZATION_BUSY');
    expect(create.headers['retry-after']).toBe('5');
    release.open();
    await imp;
    const after = await call(h.app, token, 'PATCH', `/v1/organizations/busy/departments/${id}`, { json: { description: 'after the import' } });
    expect(after.statusCode).toBe(200);
    expect(after.headers['retry-after']).toBeUndefined();
    const created = await call(h.app, token, 'POST', '/v1/organizations/busy/departments', { json: { name: 'While importing', parentCode: 'OPS' } });
    expect(created.statusCode).toBe(201);
  });
});

/**
 * Whether a statement containing `text` is running on this test's database.
 * A locking read waits inside the statement (MariaDB shows it in the
 * "Statistics" state: a unique-key lookup reads, and waits for, the row while
 * optimising), and INNODB_TRX does not always list the transaction yet.
 */
async function statementRunning(db: TestDb, text: string): Promise<boolean> {
  const [rows] = (await db.knex.raw(`SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE DB = ? AND INFO LIKE ? AND INFO NOT LIKE '%PROCESSLIST%'`, [
    db.location,
    `%${text}%`,
  ])) as [{ n: unknown }[]];
  return Number(rows[0]?.n) > 0;
}
