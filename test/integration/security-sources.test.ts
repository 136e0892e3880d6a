/**
 * Where a scheduled sync may read from. A schedule's source is chosen by an
 * admin token holder, and workers run inside the network, so:
 * - file and glob sources stay under ORGSYNC_SOURCE_ROOT (path traversal,
 *   absolute paths elsewhere and symbolic links out of it are refused);
 * - http(s) sources on loopback, private, link-local addresses, or on names
 *   resolving to them, are refused without a connection being made (SSRF),
 *   unless ORGSYNC_SOURCE_ALLOW_PRIVATE=true.
 * Both through openSource directly and end to end through a worker.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobOptions } from '../../src/adapters/queue/index.js';
import {
  isNonPublicAddress,
  openSource,
  OutsideSourceRootError,
  parseSourceSpec,
  PrivateAddressError,
} from '../../src/adapters/sources/index.js';
import { addSchedule, runScheduleNow } from '../../src/app/schedules.js';
import { parseImportOptions } from '../../src/core/importOptions.js';
import { loadConfig, type SourcesConfig } from '../../src/config.js';
import { openTestDatabase, type TestDb } from '../support/db.js';
import { eventually, openTestQueue, type TestQueue, testDatabaseName } from '../support/queueHarness.js';

const sources = (over: Partial<SourcesConfig> = {}): SourcesConfig => ({ httpHeaders: {}, httpTimeoutSeconds: 5, root: undefined, allowPrivateNetworks: false, ...over });

async function readAll(spec: string, config: SourcesConfig): Promise<string> {
  const source = await openSource(parseSourceSpec(spec), config);
  const parts: Buffer[] = [];
  for await (const chunk of source.bytes) parts.push(Buffer.from(chunk));
  return Buffer.concat(parts).toString('utf8');
}

describe('file and glob sources under ORGSYNC_SOURCE_ROOT', () => {
  const base = mkdtempSync(join(tmpdir(), 'orgsync-root-'));
  const root = join(base, 'hr');
  const outside = join(base, 'secret.csv');
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  beforeAll(() => {
    mkdirSync(join(root, 'exports'), { recursive: true });
    mkdirSync(join(base, 'hr-evil'));
    writeFileSync(join(root, 'departments.csv'), 'name,code\nInside,IN\n');
    writeFileSync(join(root, 'exports', 'hr-2024-01.csv'), 'name,code\nOld,OLD\n');
    writeFileSync(outside, 'name,code\nSecret,SECRET\n');
    writeFileSync(join(base, 'hr-evil', 'x.csv'), 'name,code\nEvil,EVIL\n');
    // A link inside the root to a file outside it, and the newest file of a glob being such a link.
    symlinkSync(outside, join(root, 'link.csv'));
    symlinkSync(outside, join(root, 'exports', 'hr-2024-02.csv'));
    utimesSync(join(root, 'exports', 'hr-2024-01.csv'), new Date('2024-01-31'), new Date('2024-01-31'));
  });

  it('reads files inside the root, by absolute path, relative to the root, and through a glob', async () => {
    const config = sources({ root });
    expect(await readAll(join(root, 'departments.csv'), config)).toContain('Inside');
    expect(await readAll('departments.csv', config)).toContain('Inside');
    expect(await readAll('./exports/../departments.csv', config)).toContain('Inside');
  });

  it.each([
    ['a relative path climbing out', '../secret.csv'],
    ['an absolute path elsewhere', '/etc/passwd'],
    ['a path through the root and back out', `${root}/exports/../../secret.csv`],
    ['a sibling directory sharing the prefix', join(base, 'hr-evil', 'x.csv')],
    ['a symbolic link inside the root pointing out', join(root, 'link.csv')],
    ['a glob in a directory outside', `${base}/*.csv`],
    ['a glob whose newest file links outside', join(root, 'exports', 'hr-*.csv')],
  ])('refuses %s', async (_label, spec) => {
    await expect(readAll(spec, sources({ root }))).rejects.toBeInstanceOf(OutsideSourceRootError);
  });

  it('without a root, paths are used as given (an operator on a trusted machine)', async () => {
    expect(await readAll(outside, sources())).toContain('Secret');
  });

  it('ORGSYNC_SOURCE_ROOT must be absolute; ORGSYNC_SOURCE_ALLOW_PRIVATE defaults to false', () => {
    expect(loadConfig({ ORGSYNC_SOURCE_ROOT: '/mnt/hr' }).sources).toMatchObject({ root: '/mnt/hr', allowPrivateNetworks: false });
    expect(loadConfig({ ORGSYNC_SOURCE_ALLOW_PRIVATE: 'true' }).sources).toMatchObject({ root: undefined, allowPrivateNetworks: true });
    expect(() => loadConfig({ ORGSYNC_SOURCE_ROOT: 'hr' })).toThrow(/ORGSYNC_SOURCE_ROOT: must be an absolute path/);
  });
});

describe('http sources and private addresses (SSRF)', () => {
  let server: Server;
  let port: number;
  const requests: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      requests.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'text/csv' }).end('name,code\nInternal,INT\n');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('classifies addresses: loopback, private, link-local, unique local, mapped IPv4 are non-public', () => {
    for (const a of ['127.0.0.1', '127.255.0.9', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.0.10', '169.254.169.254', '0.0.0.0', '100.64.0.1']) {
      expect(isNonPublicAddress(a), a).toBe(true);
    }
    for (const a of ['::1', '::', 'fc00::1', 'fd12:3456::1', 'fe80::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1', '64:ff9b::a00:1']) {
      expect(isNonPublicAddress(a), a).toBe(true);
    }
    for (const a of ['8.8.8.8', '172.15.255.255', '172.32.0.1', '11.0.0.1', '192.169.0.1', '169.253.0.1', '2606:4700::1111', '::ffff:8.8.8.8']) {
      expect(isNonPublicAddress(a), a).toBe(false);
    }
  });

  it.each([
    ['loopback', () => `http://127.0.0.1:${port}/export.csv`],
    ['a hostname resolving to loopback', () => `http://localhost:${port}/export.csv`],
    ['loopback written as one number', () => `http://2130706433:${port}/export.csv`],
    ['IPv6 loopback', () => `http://[::1]:${port}/export.csv`],
    ['IPv4-mapped IPv6 loopback', () => `http://[::ffff:127.0.0.1]:${port}/export.csv`],
    ['0.0.0.0', () => `http://0.0.0.0:${port}/export.csv`],
    ['10/8', () => 'http://10.0.0.1/export.csv'],
    ['172.16/12', () => 'https://172.20.1.1/export.csv'],
    ['192.168/16', () => 'http://192.168.1.1/export.csv'],
    ['the cloud metadata address', () => 'http://169.254.169.254/latest/meta-data/'],
    ['unique local IPv6', () => 'http://[fd00::1]/export.csv'],
    ['link-local IPv6', () => 'http://[fe80::1]/export.csv'],
  ])('refuses %s without connecting', async (_label, url) => {
    await expect(readAll(url(), sources())).rejects.toBeInstanceOf(PrivateAddressError);
    expect(requests).toEqual([]);
  });

  it('fetches from a private address when the configuration allows it', async () => {
    expect(await readAll(`http://localhost:${port}/allowed.csv`, sources({ allowPrivateNetworks: true }))).toContain('Internal');
    expect(requests).toEqual(['/allowed.csv']);
  });
});

describe('a worker refuses such schedules', () => {
  let db: TestDb;
  let tq: TestQueue;
  let server: Server;
  let hits = 0;
  const root = mkdtempSync(join(tmpdir(), 'orgsync-worker-root-'));

  beforeAll(async () => {
    db = await openTestDatabase('sqlite', testDatabaseName('security_sources'));
    tq = await openTestQueue('security-sources');
    server = createServer((_req, res) => {
      hits++;
      res.writeHead(200, { 'content-type': 'text/csv' }).end('name,code\nX,X\n');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await tq?.close();
    await db?.drop();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(root, { recursive: true, force: true });
  });

  it('fails the sync at once, saying why, reads nothing and records a failed run (issue 13)', async () => {
    await tq.startWorker(db, { sources: sources({ root }) });
    const events = await tq.events();
    const failures = new Map<string, string>();
    events.on('failed', ({ jobId, failedReason }) => failures.set(jobId, failedReason));
    const options = parseImportOptions({ mode: 'sync', createOrg: true });
    if (!options.ok) throw new Error(options.message);
    const port = (server.address() as AddressInfo).port;
    const jobs: Record<string, string> = {};
    for (const [name, source] of [
      ['traversal', `${root}/../../../etc/passwd`],
      ['loopback', `http://localhost:${port}/export.csv`],
    ] as const) {
      await addSchedule(tq.queue, jobOptions(tq.config), { name, organizationCode: 'acme', source, timing: { cron: '0 3 1 1 *' }, options: options.value });
      jobs[name] = await runScheduleNow(tq.queue, jobOptions(tq.config), name);
    }
    const reasons = await eventually(async () => (failures.size === 2 ? failures : undefined), 'both syncs to fail');
    expect(reasons.get(jobs.traversal!)).toMatch(/outside the allowed source directory/);
    expect(reasons.get(jobs.loopback!)).toMatch(/refusing to fetch from localhost: it resolves to (127\.0\.0\.1|::1)/);
    // Refused, not retried: one attempt each.
    for (const id of Object.values(jobs)) expect((await tq.queue.getJob(id))?.attemptsMade).toBe(1);
    expect(hits).toBe(0);
    // Every firing is accounted for: a failed run with the refusal's code, nothing staged.
    const runs = (await db.knex('import_runs').select('status', 'error_code').orderBy('error_code')) as { status: string; error_code: string }[];
    expect(runs).toEqual([
      { status: 'failed', error_code: 'SOURCE_OUTSIDE_ROOT' },
      { status: 'failed', error_code: 'SOURCE_PRIVATE_ADDRESS' },
    ]);
    expect(await db.knex('import_staging').count({ n: '*' }).first()).toEqual({ n: 0 });
  });
});
