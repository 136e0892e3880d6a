/**
 * applyPlan sends its statements one ahead on MySQL/MariaDB (the next batch
 * is built, escaped and queued on the transaction's connection while the
 * server runs the one before: src/adapters/db/inOrder.ts), and one by one on
 * SQLite. Either way: in order, the first failure is what fails the write,
 * nothing of the transaction stays, and progress counts only answered rows.
 */
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { departmentsRepo, isDuplicateKeyError } from '../../src/adapters/db/index.js';
import type { Organization, StoredDepartment } from '../../src/core/model.js';
import { dialects, openTestDatabase, type TestDb } from '../support/db.js';
import { createTestOrganization, department, plan } from '../support/dbFixtures.js';

type Event = { kind: 'query' | 'answer' | 'error'; uid: string } | { kind: 'written'; rows: number } | { kind: 'rejected' };

describe.each(dialects)('applyPlan sends in order (%s)', (dialect) => {
  let db: TestDb;
  beforeAll(async () => {
    db = await openTestDatabase(dialect, 'applyinorder');
  });
  afterAll(async () => {
    await db?.drop();
  });

  /** 2,000 creates under one root: several statements on both dialects (batch.ts). */
  function creates(org: Organization): StoredDepartment[] {
    const root = department(org, 'Root', undefined, { code: 'ROOT' });
    return [root, ...Array.from({ length: 1999 }, (_, i) => department(org, `Child ${i}`, root, { code: `C${i}` }))];
  }

  /** Applies the creates in a transaction, recording the department INSERTs' events and the progress calls, in order. */
  async function applyRecorded(org: Organization, rows: StoredDepartment[]): Promise<{ events: Event[]; error?: unknown }> {
    const events: Event[] = [];
    const isInsert = (q: { sql?: string }) => /^\s*insert into [`"]departments[`"]/i.test(q.sql ?? '');
    let error: unknown;
    try {
      await db.knex.transaction(async (trx: Knex.Transaction) => {
        trx.on('query', (q: { sql?: string; __knexQueryUid: string }) => {
          if (isInsert(q)) events.push({ kind: 'query', uid: q.__knexQueryUid });
        });
        trx.on('query-response', (_r: unknown, q: { sql?: string; __knexQueryUid: string }) => {
          if (isInsert(q)) events.push({ kind: 'answer', uid: q.__knexQueryUid });
        });
        trx.on('query-error', (_e: unknown, q: { sql?: string; __knexQueryUid: string }) => {
          if (isInsert(q)) events.push({ kind: 'error', uid: q.__knexQueryUid });
        });
        await departmentsRepo(db).applyPlan(trx, org, plan({ creates: rows }), { runId: 'run_inorder', now: new Date() }, (n) =>
          events.push({ kind: 'written', rows: n }),
        );
      });
    } catch (err) {
      events.push({ kind: 'rejected' });
      error = err;
    }
    return { events, error };
  }

  const stored = async (org: Organization) => Number(((await db.knex('departments').where('organization_id', org.id).count({ n: '*' })) as { n: unknown }[])[0]!.n);
  const sent = (events: Event[]) => events.flatMap((e) => (e.kind === 'query' ? [e.uid] : []));
  const at = (events: Event[], kind: Event['kind'], uid: string) => events.findIndex((e) => e.kind === kind && 'uid' in e && e.uid === uid);
  const settledAt = (events: Event[], uid: string) => Math.max(at(events, 'answer', uid), at(events, 'error', uid));

  it('queues the next statement before the answer to the one before on MySQL, and counts progress only for answered statements', async () => {
    const org = await createTestOrganization(db);
    const { events, error } = await applyRecorded(org, creates(org));
    expect(error).toBeUndefined();
    const uids = sent(events);
    expect(uids.length).toBeGreaterThanOrEqual(4);
    for (let k = 0; k + 1 < uids.length; k++) {
      const nextSent = at(events, 'query', uids[k + 1]!);
      const answered = at(events, 'answer', uids[k]!);
      expect(answered).toBeGreaterThan(-1);
      // MySQL: one ahead; SQLite: one at a time.
      if (dialect === 'mysql') expect(nextSent).toBeLessThan(answered);
      else expect(nextSent).toBeGreaterThan(answered);
    }
    // Each progress call follows as many answers as calls so far, and the last one counts every row.
    let answers = 0;
    let calls = 0;
    for (const e of events) {
      if (e.kind === 'answer') answers++;
      if (e.kind === 'written') expect(++calls).toBeLessThanOrEqual(answers);
    }
    expect(events.filter((e) => e.kind === 'written').at(-1)).toEqual({ kind: 'written', rows: 2000 });
    expect(await stored(org)).toBe(2000);
  });

  it('a failed statement in the middle fails the write, after the statement queued behind it settled, and nothing stays', async () => {
    const org = await createTestOrganization(db);
    const rows = creates(org);
    rows[1100] = { ...rows[1100]!, code: rows[100]!.code }; // a duplicate code, in the third statement on both dialects
    const { events, error } = await applyRecorded(org, rows);
    expect(isDuplicateKeyError(error)).toBe(true);
    const uids = sent(events);
    const failed = uids.findIndex((uid) => at(events, 'error', uid) > -1);
    expect(failed).toBeGreaterThan(0);
    expect(failed).toBeLessThan(uids.length - (dialect === 'mysql' ? 1 : 0));
    // Every statement sent settled before applyPlan gave up (none still running when the transaction rolls back).
    const rejected = events.findIndex((e) => e.kind === 'rejected');
    for (const uid of uids) expect(settledAt(events, uid)).toBeLessThan(rejected);
    // No progress for the failed statement's rows.
    const written = events.filter((e): e is { kind: 'written'; rows: number } => e.kind === 'written');
    expect(written.at(-1)?.rows ?? 0).toBeLessThan(1100);
    expect(await stored(org)).toBe(0);
  });

  it('when the statement queued behind a failed one fails too, the first failure is the one reported', async () => {
    const org = await createTestOrganization(db);
    const rows = creates(org);
    rows[1100] = { ...rows[1100]!, code: rows[100]!.code }; // duplicate code: the third statement
    // A parent that does not exist: a foreign-key failure in the statement after it (MySQL runs it; SQLite never sends it).
    rows[1600] = { ...rows[1600]!, parentId: 'dept_00000000000000000000000000', path: `/dept_00000000000000000000000000/${rows[1600]!.id}`, depth: 1 };
    const { events, error } = await applyRecorded(org, rows);
    expect(isDuplicateKeyError(error)).toBe(true);
    if (dialect === 'mysql') expect(events.filter((e) => e.kind === 'error').length).toBe(2);
    expect(await stored(org)).toBe(0);
  });
});
