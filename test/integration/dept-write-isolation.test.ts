/**
 * Where each kind of transaction gets its isolation level (MariaDB/MySQL),
 * now that API writes run on their own pool whose sessions are READ
 * COMMITTED (adapters/db/connection.ts) instead of sending a SET TRANSACTION
 * before each: an API write (withDepartmentWrite, and a create's own two
 * round trips, adapters/db/departmentCreate.ts) runs at READ COMMITTED, an
 * import (withOrganizationLock) at REPEATABLE READ, whose snapshot its
 * guarantees rest on (docs/operations.md, "Imports and API writes: locking").
 * Read from the server (information_schema.INNODB_TRX) while each
 * transaction is open, not from a session variable the client could misreport.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repositories, withDepartmentWrite, withOrganizationLock } from '../../src/adapters/db/index.js';
import { createDepartment } from '../../src/app/createDepartment.js';
import type { Repositories } from '../../src/app/ports.js';
import type { Organization } from '../../src/core/model.js';
import { mysqlTestUrl, openTestDatabase, type TestDb } from '../support/db.js';
import { createOrg } from '../support/httpHarness.js';

describe('isolation levels of API writes and imports on mysql', () => {
  let db: TestDb;
  let org: Organization;
  let observer: mysql.Connection;

  beforeAll(async () => {
    db = await openTestDatabase('mysql', 'dept_isolation');
    org = await createOrg(db, 'iso');
    observer = await mysql.createConnection(mysqlTestUrl(db.location));
  });
  afterAll(async () => {
    await observer?.end();
    await db?.drop();
  });

  /**
   * The isolation level of every open transaction of a session on this test's
   * database (no other file uses it). InnoDB refreshes INNODB_TRX at most every
   * 100 ms (its cache of the transaction list): the pause makes this read see
   * the transactions open now, not those of a read just before.
   */
  const openTransactions = async (): Promise<string[]> => {
    await sleep(250);
    const [rows] = (await observer.query(
      `SELECT t.trx_isolation_level AS level FROM information_schema.INNODB_TRX t
       JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id WHERE p.DB = ?`,
      [db.location],
    )) as unknown as [{ level: string }[]];
    return rows.map((r) => r.level);
  };

  it('an API write runs at READ COMMITTED, with no SET TRANSACTION sent for it', async () => {
    const sent: string[] = [];
    const onQuery = (q: { sql: string }) => sent.push(q.sql);
    db.apiWrites?.on('query', onQuery);
    db.knex.on('query', onQuery);
    try {
      const seen = await withDepartmentWrite(db, org.code, () => openTransactions(), { timeoutSeconds: 10 });
      expect(seen).toEqual(['READ COMMITTED']);
    } finally {
      db.apiWrites?.removeListener('query', onQuery);
      db.knex.removeListener('query', onQuery);
    }
    expect(sent.filter((s) => /isolation/i.test(s))).toEqual([]);
  });

  it('a create, in its own round trips, runs at READ COMMITTED', async () => {
    const real = repositories(db);
    const create = real.departmentLookup.create;
    expect(create).toBeDefined();
    let seen: string[] = [];
    const spying: Repositories = {
      ...real,
      departmentLookup: {
        ...real.departmentLookup,
        create: (o, keys, decide, opts) =>
          create!(
            o,
            keys,
            async (fetched) => {
              seen = await openTransactions();
              return decide(fetched);
            },
            opts,
          ),
      },
    };
    const result = await createDepartment(spying, { organization: org, fields: { name: 'Isolated', code: 'ISO' }, lockTimeoutSeconds: 10 });
    expect(result.ok).toBe(true);
    expect(seen).toEqual(['READ COMMITTED']);
  });

  it('an import runs at REPEATABLE READ, also on a process whose API writes ran first', async () => {
    // API writes first, so that their pool's sessions exist: they must not be the import's.
    await withDepartmentWrite(db, org.code, async () => undefined, { timeoutSeconds: 10 });
    const seen = await withOrganizationLock(db, org.code, () => openTransactions(), { timeoutSeconds: 10 });
    expect(seen).toEqual(['REPEATABLE READ']);
  });
});
