/**
 * waitForRun (src/app/waitForRun.ts), the one wait behind `enqueue --wait`,
 * `retry --wait` and HTTP `?wait=true`: it answers with the report once the
 * run row settles (held for approval included), and answers nothing when its
 * time runs out or its caller goes away. On the embedded SQLite database: the
 * run row is the whole truth, no worker is needed.
 */
import { EventEmitter } from 'node:events';
import type { QueueEvents } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importRunsRepo, repositories } from '../../src/adapters/db/index.js';
import type { RunProgress } from '../../src/app/jobContracts.js';
import { waitForRun } from '../../src/app/waitForRun.js';
import { emptyCounts } from '../../src/core/model.js';
import { openTestDatabase, type TestDb } from '../support/db.js';
import { createTestOrganization } from '../support/dbFixtures.js';

describe('waitForRun', () => {
  let db: TestDb;
  let org: string;

  beforeAll(async () => {
    db = await openTestDatabase('sqlite', 'dup_wait_for_run');
    org = (await createTestOrganization(db)).code;
  });
  afterAll(async () => {
    await db?.drop();
  });

  const queuedRun = () =>
    importRunsRepo(db).createRun({
      organizationCode: org,
      sourceName: 'departments.csv',
      mode: 'sync',
      options: { mode: 'sync', dryRun: false, maxDeactivate: { kind: 'percent', value: 20 } },
      dryRun: false,
    });

  it('gives up (undefined) when the time runs out or the caller aborts, while the run is queued or running', async () => {
    const id = await queuedRun();
    expect(await waitForRun(repositories(db), id, { timeoutMs: 150 })).toBeUndefined();
    await importRunsRepo(db).startRun(id);
    const controller = new AbortController();
    const waiting = waitForRun(repositories(db), id, { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    expect(await waiting).toBeUndefined();
  });

  it.each(['completed', 'completed_with_errors', 'failed', 'needs_approval'] as const)('answers with the report once the run is %s', async (status) => {
    const id = await queuedRun();
    const runs = importRunsRepo(db);
    const waiting = waitForRun(repositories(db), id, { timeoutMs: 60_000 });
    await runs.startRun(id);
    await runs.finishRun(id, { status, counts: { ...emptyCounts(), rows: 1 }, ...(status === 'failed' ? { error: { code: 'FILE_TOO_LARGE', message: 'too large' } } : {}) });
    expect(await waiting).toMatchObject({ runId: id, status });
  });

  it('reports the job\'s progress from the queue events and stops listening when done', async () => {
    const id = await queuedRun();
    const events = new EventEmitter();
    const seen: RunProgress[] = [];
    const waiting = waitForRun(repositories(db), id, { events: events as unknown as QueueEvents, onProgress: (p) => seen.push(p) });
    const progress = { phase: 'read', rows: 10 } as unknown as RunProgress;
    events.emit('progress', { jobId: 'another-run', data: { phase: 'plan' } });
    events.emit('progress', { jobId: id, data: progress });
    await importRunsRepo(db).startRun(id);
    await importRunsRepo(db).finishRun(id, { status: 'completed', counts: emptyCounts() });
    events.emit('completed', { jobId: id });
    expect(await waiting).toMatchObject({ runId: id, status: 'completed' });
    expect(seen).toEqual([progress]);
    expect(['completed', 'failed', 'progress'].map((e) => events.listenerCount(e))).toEqual([0, 0, 0]);
  });
});
