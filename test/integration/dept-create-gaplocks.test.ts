/**
 * Concurrent creates under one parent do not wait for each other (issue 12,
 * MariaDB). A create share-locks its parent, found through the parent's code.
 * Under REPEATABLE READ that locking read also locked the gap below the
 * parent's code in the code index, so a second create whose own code sorted
 * just below it waited until the first committed: creates of an organization
 * ran one at a time. API writes now run at READ COMMITTED
 * (adapters/db/lock.ts withSharedRowLock), which locks rows without gaps.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { repositories } from '../../src/adapters/db/index.js';
import type { Organization } from '../../src/core/model.js';
import { call, createOrg, type HttpHarness, openHttpHarness, orgToken } from '../support/httpHarness.js';

describe('two creates under one parent on mysql', () => {
  let h: HttpHarness;
  let org: Organization;
  let token: string;

  beforeAll(async () => {
    h = await openHttpHarness('mysql', 'dept_gaplocks');
    org = await createOrg(h.db, 'gaps');
    token = await orgToken(h.db, 'gaps');
    const url = '/v1/organizations/gaps/departments';
    expect((await call(h.app, token, 'POST', url, { json: { name: 'Root', code: 'R' } })).statusCode).toBe(201);
    expect((await call(h.app, token, 'POST', url, { json: { name: 'A', code: 'A', parentCode: 'R' } })).statusCode).toBe(201);
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  it('a create whose code sorts just below its parent\'s completes while another create holds the parent', async () => {
    const repos = repositories(h.db);
    let holding!: () => void;
    const held = new Promise<void>((resolve) => (holding = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    // The first create, stopped right after it share-locked the parent (by its code).
    const first = repos.lock.withDepartmentWrite(
      org.code,
      async (trx) => {
        const parents = await repos.departmentLookup.lockParents(trx, org.id, {
          id: null,
          parent: [{ by: 'code', value: 'R' }],
          parentMayBeRoot: false,
          code: null,
          openDepartmentId: null,
          name: null,
        });
        expect(parents.map((p) => p.code)).toEqual(['R']);
        holding();
        await released;
      },
      { timeoutSeconds: 30 },
    );
    await held;
    try {
      // 'Q' sorts between 'A' and 'R': the gap a next-key lock on R covers.
      const second = call(h.app, token, 'POST', '/v1/organizations/gaps/departments', { json: { name: 'Q', code: 'Q', parentCode: 'R' } });
      const outcome = await Promise.race([second.then((r) => r.statusCode), sleep(5_000).then(() => 'still waiting for the first create' as const)]);
      expect(outcome).toBe(201);
    } finally {
      release();
      await first;
    }
  }, 60_000);
});
