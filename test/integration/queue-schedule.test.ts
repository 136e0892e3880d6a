/**
 * Scheduled syncs: a schedule fires on its own, imports its source, and skips
 * the source next time when it has not changed; sources on a share (the
 * newest file matching a glob) and over HTTP with a token from configuration.
 */
import { mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { importRunsRepo } from '../../src/adapters/db/index.js';
import { jobOptions } from '../../src/adapters/queue/index.js';
import { parseImportOptions } from '../../src/core/importOptions.js';
import type { SyncSourceResult } from '../../src/app/jobContracts.js';
import { addSchedule, listSchedules, removeSchedule, runScheduleNow } from '../../src/app/schedules.js';
import { openSecondHandle, openTestDatabase, type TestDb } from '../support/db.js';
import { treeShape } from '../support/importHarness.js';
import { eventually, openTestQueue, settledRun, type TestQueue, testDatabaseName } from '../support/queueHarness.js';

const syncOptions = () => {
  const parsed = parseImportOptions({ mode: 'sync', createOrg: true });
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.value;
};

describe('scheduled syncs', () => {
  let db: TestDb;
  let tq: TestQueue;
  const dir = mkdtempSync(join(tmpdir(), 'orgsync-schedule-'));

  beforeAll(async () => {
    db = await openTestDatabase('mysql', testDatabaseName('queue_schedule'));
    tq = await openTestQueue('schedule');
  });
  afterEach(async () => {
    await tq.stopWorkers();
  });
  afterAll(async () => {
    await tq?.close();
    await db?.drop();
  });

  /** Results of the sync-source jobs, as they complete. */
  const syncResults = async (): Promise<SyncSourceResult[]> => {
    const results: SyncSourceResult[] = [];
    (await tq.events()).on('completed', ({ returnvalue }) => {
      const value = (typeof returnvalue === 'string' ? JSON.parse(returnvalue) : returnvalue) as Record<string, unknown> | null;
      if (value && 'skipped' in value) results.push(value as unknown as SyncSourceResult);
    });
    return results;
  };

  it('fires on its own, imports the newest matching file, and skips it when unchanged', async () => {
    writeFileSync(join(dir, 'hr-2024-01.csv'), 'name,code\nOld export,OLD\n');
    writeFileSync(join(dir, 'hr-2024-02.csv'), 'name,code,parentCode\nEngineering,ENG,\nBackend,BE,ENG\n');
    writeFileSync(join(dir, 'other.txt'), 'name,code\nNot me,NO\n');
    utimesSync(join(dir, 'hr-2024-01.csv'), new Date('2024-01-31'), new Date('2024-01-31'));
    utimesSync(join(dir, 'hr-2024-02.csv'), new Date('2024-02-29'), new Date('2024-02-29'));
    const results = await syncResults();
    await tq.startWorker(await openSecondHandle(db), { concurrency: 2 });
    await addSchedule(tq.queue, jobOptions(tq.config), {
      name: 'share',
      organizationCode: 'scheduled',
      source: join(dir, 'hr-*.csv'),
      timing: { everySeconds: 1 },
      options: syncOptions(),
    });
    const submitted = await eventually(async () => results.find((r) => !r.skipped), 'the first sync to submit a run');
    if (submitted.skipped) throw new Error('unreachable');
    expect((await settledRun(db, submitted.runId)).status).toBe('completed');
    // Fires again (every second): the content is what the last successful run imported.
    const skipped = await eventually(async () => results.find((r) => r.skipped), 'a later sync to skip');
    expect(skipped).toEqual({ skipped: true, reason: `unchanged since run ${submitted.runId}`, runId: expect.any(String) });
    await removeSchedule(tq.queue, 'share');

    expect(await treeShape(db, 'scheduled')).toEqual(['Engineering > Backend | depth 1 | active | code BE | ', 'Engineering | depth 0 | active | code ENG | ']);
    // Each skipped firing is in the history too (status skipped); one run imported.
    const runs = (await importRunsRepo(db).listRuns({ organizationCode: 'scheduled' })).filter((r) => r.status !== 'skipped');
    expect(runs.map((r) => r.sourceName)).toEqual([join(dir, 'hr-2024-02.csv')]);
    expect(runs[0]?.mode).toBe('sync');
  });

  it('fetches an http source with the token configured for its origin, and never stores the query', async () => {
    const requests: { auth?: string; url?: string }[] = [];
    const server: Server = createServer((req, res) => {
      requests.push({ auth: req.headers.authorization, url: req.url });
      if (req.headers.authorization !== 'Bearer s3cret') {
        res.writeHead(401).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify([{ name: 'HQ', code: 'HQ' }, { name: 'Ops', code: 'OPS', parentCode: 'HQ' }]));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const results = await syncResults();
      // The test's server is on loopback, which workers refuse unless allowed (SSRF).
      const sources = { httpHeaders: { [origin]: { Authorization: 'Bearer s3cret' } }, httpTimeoutSeconds: 10, root: undefined, allowPrivateNetworks: true };
      await tq.startWorker(await openSecondHandle(db), { sources });
      await addSchedule(tq.queue, jobOptions(tq.config), {
        name: 'hris',
        organizationCode: 'remote',
        source: `${origin}/api/departments?tenant=acme`,
        timing: { cron: '0 3 1 1 *', tz: 'Europe/Zurich' },
        options: syncOptions(),
      });
      expect((await listSchedules(tq.queue)).find((s) => s.name === 'hris')).toMatchObject({
        source: `${origin}/api/departments?tenant=***`,
        timing: { cron: '0 3 1 1 *', tz: 'Europe/Zurich' },
      });
      await runScheduleNow(tq.queue, jobOptions(tq.config), 'hris');
      const done = await eventually(async () => results.find((r) => !r.skipped), 'the sync to submit a run');
      if (done.skipped) throw new Error('unreachable');
      const run = await settledRun(db, done.runId);
      expect(run).toMatchObject({ status: 'completed', format: 'json', sourceName: `${origin}/api/departments.json` });
      expect(await treeShape(db, 'remote')).toHaveLength(2);
      expect(requests).toEqual([{ auth: 'Bearer s3cret', url: '/api/departments?tenant=acme' }]);
      await removeSchedule(tq.queue, 'hris');
    } finally {
      server.close();
    }
  });
});
