/**
 * Issue 11, item 8: a scheduled http source answering with a gzip bomb (under
 * 1 MB on the wire, 300 MB inflated) used to be staged whole into
 * import_staging. Sources now have a byte cap (ORGSYNC_SOURCE_MAX_BYTES, by
 * default the upload limit), counted after decompression: the run fails
 * FILE_TOO_LARGE and nothing of it stays staged. On MariaDB and SQLite,
 * through a real worker and a local server (127.0.0.1, allowed explicitly).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGzip } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { importRunsRepo } from '../../src/adapters/db/index.js';
import { jobOptions } from '../../src/adapters/queue/index.js';
import { openSource, parseSourceSpec } from '../../src/adapters/sources/index.js';
import { addSchedule, runScheduleNow } from '../../src/app/schedules.js';
import { FileError } from '../../src/core/errors.js';
import { parseImportOptions } from '../../src/core/importOptions.js';
import { loadConfig, type SourcesConfig } from '../../src/config.js';
import { dialects, openTestDatabase, type TestDb } from '../support/db.js';
import { eventually, openTestQueue, type TestQueue, testDatabaseName } from '../support/queueHarness.js';

const INFLATED_BYTES = 300 * 1024 * 1024;
const CAP = 1024 * 1024;

/** A CSV header, then 300 MB of the same line: about 300 KB gzipped. */
async function gzipBomb(): Promise<Buffer> {
  const gzip = createGzip({ level: 9 });
  const parts: Buffer[] = [];
  gzip.on('data', (d: Buffer) => parts.push(d));
  const ended = new Promise<void>((resolve, reject) => gzip.on('end', resolve).on('error', reject));
  gzip.write('name,code\n');
  const line = Buffer.alloc(1024 * 1024, 'Sales,S\n');
  for (let written = 0; written < INFLATED_BYTES; written += line.length) {
    if (!gzip.write(line)) await new Promise((resolve) => gzip.once('drain', resolve));
  }
  gzip.end();
  await ended;
  return Buffer.concat(parts);
}

const sources = (over: Partial<SourcesConfig> = {}): SourcesConfig => ({
  httpHeaders: {},
  httpTimeoutSeconds: 10,
  root: undefined,
  allowPrivateNetworks: true,
  maxBytes: CAP,
  ...over,
});

let server: Server;
let url: string;
let bomb: Buffer;

beforeAll(async () => {
  bomb = await gzipBomb();
  server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/csv', 'content-encoding': 'gzip', 'content-length': bomb.length }).end(bomb);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/export.csv`;
}, 60_000);
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('the source byte cap', () => {
  it('stops reading a gzip bomb at the cap, counted after decompression', async () => {
    expect(bomb.length).toBeLessThan(CAP); // it fits under the cap on the wire
    const source = await openSource(parseSourceSpec(url), sources());
    let read = 0;
    const error = await (async () => {
      for await (const chunk of source.bytes) read += chunk.byteLength;
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FileError);
    expect((error as FileError).code).toBe('FILE_TOO_LARGE');
    expect(read).toBeLessThanOrEqual(CAP);
  });

  it('is the upload limit unless ORGSYNC_SOURCE_MAX_BYTES says otherwise', () => {
    expect(loadConfig({}).sources.maxBytes).toBe(loadConfig({}).http.uploadLimit);
    expect(loadConfig({ ORGSYNC_HTTP_UPLOAD_LIMIT_BYTES: '1000' }).sources.maxBytes).toBe(1000);
    expect(loadConfig({ ORGSYNC_SOURCE_MAX_BYTES: '2000' }).sources.maxBytes).toBe(2000);
  });
});

describe.each(dialects)('a scheduled sync of a gzip bomb (%s)', (dialect) => {
  let db: TestDb;
  let tq: TestQueue;

  beforeAll(async () => {
    db = await openTestDatabase(dialect, testDatabaseName(`harden_runs_sources_${dialect}`));
    tq = await openTestQueue(`harden-runs-sources-${dialect}`);
  });
  afterEach(async () => {
    await tq?.stopWorkers();
  });
  afterAll(async () => {
    await tq?.close();
    await db?.drop();
  });

  it('fails the run FILE_TOO_LARGE, once, with at most the cap staged', async () => {
    await tq.startWorker(db, { sources: sources() });
    const events = await tq.events();
    const failures = new Map<string, string>();
    events.on('failed', ({ jobId, failedReason }) => failures.set(jobId, failedReason));
    const options = parseImportOptions({ mode: 'sync', createOrg: true });
    if (!options.ok) throw new Error(options.message);
    await addSchedule(tq.queue, jobOptions(tq.config), { name: 'bomb', organizationCode: 'acme', source: url, timing: { cron: '0 3 1 1 *' }, options: options.value });
    const jobId = await runScheduleNow(tq.queue, jobOptions(tq.config), 'bomb');

    const reason = await eventually(async () => failures.get(jobId), 'the sync to fail');
    expect(reason).toMatch(/FILE_TOO_LARGE/);
    expect((await tq.queue.getJob(jobId))?.attemptsMade).toBe(1); // refused, not retried

    const runs = await importRunsRepo(db).listRuns({ organizationCode: 'acme' });
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: 'failed', errorCode: 'FILE_TOO_LARGE' });
    const staged = (await db.knex('import_staging').select('data')) as { data: Buffer }[];
    const stagedBytes = staged.reduce((n, r) => n + r.data.length, 0);
    expect(stagedBytes).toBeLessThanOrEqual(CAP);
    expect(stagedBytes).toBe(0); // the staging transaction rolled back
  });
});
