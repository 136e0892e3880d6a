/**
 * withOrganizationLock: imports of one organization never interleave, within
 * a process, across connection pools and (SQLite) across processes.
 */
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DatabaseCapacityError,
  type Db,
  isTransientDbError,
  LockTimeoutError,
  organizationLockName,
  organizationsRepo,
  withDepartmentWrite,
  withOrganizationLock,
} from '../../src/adapters/db/index.js';
import { dialects, openSecondHandle, openTestDatabase, type TestDb } from '../support/db.js';

interface Visit {
  who: string;
  enter: number;
  exit: number;
  sawExisting: boolean;
}

let codeSeq = 0;
const freshCode = () => `lock-${Date.now()}-${++codeSeq}`;

describe.each(dialects)('withOrganizationLock (%s)', (dialect) => {
  let db: TestDb;
  let second: Db;

  beforeAll(async () => {
    db = await openTestDatabase(dialect, 'lock');
    second = await openSecondHandle(db);
  });
  afterAll(async () => {
    await second?.close();
    await db?.drop();
  });

  /** An import-like body: read, think, write; records when it ran and what it saw. */
  const visit =
    (handle: Db, code: string, who: string, visits: Visit[], holdMs = 300) =>
    async (trx: Knex.Transaction) => {
      const enter = Date.now();
      const orgs = organizationsRepo(handle);
      const existing = await orgs.findByCode(code, trx);
      await sleep(holdMs);
      if (!existing) await orgs.create({ code, name: who, nameScope: 'organization' }, trx);
      visits.push({ who, enter, exit: Date.now(), sawExisting: existing !== undefined });
    };

  const expectSerialised = (visits: Visit[]) => {
    expect(visits).toHaveLength(2);
    const [first, next] = [...visits].sort((a, b) => a.enter - b.enter) as [Visit, Visit];
    expect(next.enter).toBeGreaterThanOrEqual(first.exit);
    expect(first.sawExisting).toBe(false);
    expect(next.sawExisting).toBe(true);
  };

  it('runs two imports of one organization one after the other; the second sees the first’s write', async () => {
    const code = freshCode();
    const visits: Visit[] = [];
    await Promise.all([
      withOrganizationLock(db, code, visit(db, code, 'a', visits), { timeoutSeconds: 10 }),
      withOrganizationLock(db, code, visit(db, code, 'b', visits), { timeoutSeconds: 10 }),
    ]);
    expectSerialised(visits);
  });

  it('serialises imports through separate connection pools (as separate processes would)', async () => {
    const code = freshCode();
    const visits: Visit[] = [];
    await Promise.all([
      withOrganizationLock(db, code, visit(db, code, 'a', visits), { timeoutSeconds: 10 }),
      withOrganizationLock(second, code, visit(second, code, 'b', visits), { timeoutSeconds: 10 }),
    ]);
    expectSerialised(visits);
  });

  it('gives up with LockTimeoutError when the lock is held too long', async () => {
    const code = freshCode();
    const holder = withOrganizationLock(db, code, () => sleep(2500), { timeoutSeconds: 10 });
    await sleep(100);
    const started = Date.now();
    const [samePool, otherPool] = await Promise.allSettled([
      withOrganizationLock(db, code, async () => 'got it', { timeoutSeconds: 1 }),
      withOrganizationLock(second, code, async () => 'got it', { timeoutSeconds: 1 }),
    ]);
    const waited = Date.now() - started;
    for (const outcome of [samePool, otherPool]) {
      expect(outcome.status).toBe('rejected');
      expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(LockTimeoutError);
    }
    expect(waited).toBeGreaterThanOrEqual(900);
    expect(waited).toBeLessThan(2300);
    await holder;
  });

  it('rolls back and releases the lock when fn throws', async () => {
    const code = freshCode();
    const orgs = organizationsRepo(db);
    await expect(
      withOrganizationLock(
        db,
        code,
        async (trx) => {
          await orgs.create({ code, name: 'doomed', nameScope: 'organization' }, trx);
          throw new Error('boom');
        },
        { timeoutSeconds: 5 },
      ),
    ).rejects.toThrow('boom');
    expect(await orgs.findByCode(code)).toBeUndefined();

    const started = Date.now();
    await expect(withOrganizationLock(second, code, async () => 'next', { timeoutSeconds: 1 })).resolves.toBe('next');
    expect(Date.now() - started).toBeLessThan(500);
    if (dialect === 'mysql') {
      const [[row]] = (await db.knex.raw('SELECT IS_FREE_LOCK(?) AS free', [organizationLockName(code, db.location)])) as [[{ free: number }]];
      expect(Number(row.free)).toBe(1);
    }
  });

  it('re-runs fn from scratch after a transient conflict, at most three times', async () => {
    const transient = () =>
      Object.assign(new Error('conflict'), dialect === 'mysql' ? { code: 'ER_LOCK_DEADLOCK', errno: 1213 } : { code: 'SQLITE_BUSY' });
    const code = freshCode();
    const orgs = organizationsRepo(db);
    const seen: boolean[] = [];
    const result = await withOrganizationLock(
      db,
      code,
      async (trx) => {
        seen.push((await orgs.findByCode(code, trx)) !== undefined);
        await orgs.create({ code, name: 'x', nameScope: 'organization' }, trx);
        if (seen.length === 1) throw transient();
        return 'done';
      },
      { timeoutSeconds: 5 },
    );
    expect(result).toBe('done');
    expect(seen).toEqual([false, false]); // the first attempt's write was rolled back

    let attempts = 0;
    const err = await withOrganizationLock(
      db,
      freshCode(),
      async () => {
        attempts += 1;
        throw transient();
      },
      { timeoutSeconds: 5 },
    ).catch((e: unknown) => e);
    expect(isTransientDbError(err)).toBe(true);
    expect(attempts).toBe(3);
  });

  it('fails at once with DATABASE_CAPACITY when the lock table is full (error 1206), rolled back, for imports and API writes', async () => {
    // mysql2's shape of the error; InnoDB raises it when row locks outgrow the buffer pool.
    const lockTableFull = () => Object.assign(new Error('The total number of locks exceeds the lock table size'), { code: 'ER_LOCK_TABLE_FULL', errno: 1206, sqlState: 'HY000' });
    const orgs = organizationsRepo(db);
    for (const run of [withOrganizationLock, withDepartmentWrite]) {
      const code = freshCode();
      let attempts = 0;
      const err = await run(
        db,
        code,
        async (trx) => {
          attempts += 1;
          await orgs.create({ code, name: 'x', nameScope: 'organization' }, trx);
          throw lockTableFull();
        },
        { timeoutSeconds: 5 },
      ).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DatabaseCapacityError);
      expect(err).toMatchObject({ code: 'DATABASE_CAPACITY', transient: false });
      expect((err as Error).message).toContain('innodb_buffer_pool_size');
      expect(attempts).toBe(1); // the same transaction would fill the lock table again
      expect(await orgs.findByCode(code)).toBeUndefined(); // its write was rolled back
    }
  });

  if (dialect === 'mysql') {
    it('runs imports of different organizations concurrently', async () => {
      const visits: Visit[] = [];
      const [a, b] = [freshCode(), freshCode()];
      await Promise.all([
        withOrganizationLock(db, a, visit(db, a, 'a', visits, 500), { timeoutSeconds: 10 }),
        withOrganizationLock(db, b, visit(db, b, 'b', visits, 500), { timeoutSeconds: 10 }),
      ]);
      const [first, next] = [...visits].sort((x, y) => x.enter - y.enter) as [Visit, Visit];
      expect(next.enter).toBeLessThan(first.exit);
    });
  }

  if (dialect === 'sqlite') {
    it('waits for another process holding the write lock, then sees its write', async () => {
      const code = freshCode();
      const child = await holdSqliteWriteLock(db.location, code, 2500);
      try {
        await expect(withOrganizationLock(db, code, async () => 'early', { timeoutSeconds: 1 })).rejects.toBeInstanceOf(
          LockTimeoutError,
        );
        const sawChildWrite = await withOrganizationLock(
          db,
          code,
          async (trx) => (await organizationsRepo(db).findByCode(code, trx)) !== undefined,
          { timeoutSeconds: 10 },
        );
        expect(sawChildWrite).toBe(true);
      } finally {
        await child.done;
      }
    });
  }
}, 30_000);

describe('isTransientDbError', () => {
  it('recognises conflicts and lost connections, not other errors', () => {
    const err = (props: object) => Object.assign(new Error('x'), props);
    expect(isTransientDbError(err({ code: 'ER_LOCK_DEADLOCK', errno: 1213 }))).toBe(true);
    expect(isTransientDbError(err({ code: 'ER_LOCK_WAIT_TIMEOUT', errno: 1205 }))).toBe(true);
    expect(isTransientDbError(err({ code: 'SQLITE_BUSY_SNAPSHOT' }))).toBe(true);
    expect(isTransientDbError(err({ code: 'ECONNREFUSED', errno: -111 }))).toBe(true);
    expect(isTransientDbError(err({ code: 'PROTOCOL_CONNECTION_LOST' }))).toBe(true);
    expect(isTransientDbError(err({ code: 'ER_SERVER_SHUTDOWN', errno: 1053 }))).toBe(true);
    expect(isTransientDbError(new Error('wrapped', { cause: err({ code: 'ECONNRESET' }) }))).toBe(true);
    expect(isTransientDbError(err({ code: 'ER_DUP_ENTRY', errno: 1062 }))).toBe(false);
    expect(isTransientDbError(err({ code: 'SQLITE_CONSTRAINT_UNIQUE' }))).toBe(false);
    expect(isTransientDbError(new LockTimeoutError('acme', 1))).toBe(false);
    expect(isTransientDbError(new Error('plain'))).toBe(false);
  });
});

/**
 * A separate Node process that takes the SQLite write lock (BEGIN IMMEDIATE),
 * creates the organization, and commits after `holdMs`. Resolves once it holds the lock.
 */
async function holdSqliteWriteLock(path: string, code: string, holdMs: number): Promise<{ done: Promise<void> }> {
  const script = `
    const Database = require('better-sqlite3');
    const [path, code, holdMs] = process.argv.slice(1);
    const db = new Database(path);
    db.pragma('busy_timeout = 5000');
    db.exec('BEGIN IMMEDIATE');
    db.prepare("INSERT INTO organizations (id, code, name, name_scope, created_at, updated_at) VALUES (?, ?, 'child', 'organization', '2024-01-01 00:00:00.000', '2024-01-01 00:00:00.000')")
      .run('org_child' + Date.now(), code);
    process.stdout.write('locked\\n');
    setTimeout(() => { db.exec('COMMIT'); db.close(); }, Number(holdMs));
  `;
  const child = spawn(process.execPath, ['-e', script, path, code, String(holdMs)], {
    cwd: process.cwd(),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const done = new Promise<void>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (status) => (status === 0 ? resolve() : reject(new Error(`lock holder exited with ${status}`))));
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('locked')) resolve();
    });
    done.catch(reject);
  });
  return { done };
}
