/**
 * Issue 13, "Every run accounted for", on the command line: `enqueue` on the
 * embedded SQLite database is refused (QUEUE_NEEDS_MYSQL) instead of queueing
 * a run no worker can reach; `--report` is checked before the import starts;
 * `schedule add --tz` says INVALID_TIMEZONE; `schedule run NAME --wait`
 * prints the run's report.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importRunsRepo } from '../../src/adapters/db/index.js';
import { dialects, openSecondHandle, openTestDatabase, type TestDb } from '../support/db.js';
import { cliEnv, runCli } from '../support/cli.js';
import { departmentCount } from '../support/faultHarness.js';
import { openTestQueue, type TestQueue, testDatabaseName } from '../support/queueHarness.js';

const dir = mkdtempSync(join(tmpdir(), 'orgsync-accounted-cli-'));
const csv = join(dir, 'tree.csv');
writeFileSync(csv, 'name,code,parentCode\nEngineering,ENG,\nBad,,NOPE\n');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('enqueue on the embedded SQLite database', () => {
  it('is refused with QUEUE_NEEDS_MYSQL, exit 2, and queues nothing', async () => {
    const sqlite = join(dir, 'embedded.sqlite');
    const env = { PATH: process.env.PATH ?? '', HOME: dir, ORGSYNC_SQLITE_PATH: sqlite, REDIS_URL: 'redis://127.0.0.1:6379', LOG_LEVEL: 'warn' };
    const text = await runCli(['enqueue', csv, '--org', 'acme', '--create-org'], env);
    expect(text.code, text.stderr).toBe(2);
    expect(text.stderr).toMatch(/needs the shared MySQL\/MariaDB database \(set DATABASE_URL\)/);
    const json = await runCli(['enqueue', csv, '--org', 'acme', '--create-org', '--json'], env);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { code: 'QUEUE_NEEDS_MYSQL' } });
    // Refused before the database was opened: no run waits anywhere.
    expect(existsSync(sqlite)).toBe(false);
  });
});

describe('schedule add --tz', () => {
  it('refuses an unknown time zone with INVALID_TIMEZONE, not a cron library stack', async () => {
    const env = { PATH: process.env.PATH ?? '', HOME: dir, LOG_LEVEL: 'warn' };
    const args = ['schedule', 'add', '--name', 'nightly', '--org', 'acme', '--source', csv, '--cron', '0 2 * * *', '--tz', 'Mars/Olympus_Mons'];
    const json = await runCli([...args, '--json'], env);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toEqual({ error: { code: 'INVALID_TIMEZONE', message: expect.stringContaining('unknown time zone "Mars/Olympus_Mons"') } });
    const text = await runCli(args, env);
    expect(text.code).toBe(2);
    expect(text.stderr).toContain('unknown time zone "Mars/Olympus_Mons": use an IANA name');
    expect(text.stderr).not.toMatch(/\bat .*\.js:\d+/);
  });
});

describe.each(dialects)('--report PATH (%s)', (dialect) => {
  let db: TestDb;
  beforeAll(async () => {
    db = await openTestDatabase(dialect, 'accounted_cli_report');
  });
  afterAll(async () => {
    await db?.drop();
  });

  it.each([
    ['a missing directory', () => join(dir, 'no-such-dir', 'errors.csv'), /does not exist/],
    ['a directory', () => dir, /is a directory/],
  ])('to %s is a usage error before anything is imported', async (_what, path, message) => {
    const res = await runCli(['import', csv, '--org', `rep_${dialect}`, '--create-org', '--report', path()], cliEnv(db));
    expect(res.code, res.stderr).toBe(2);
    expect(res.stderr).toMatch(message);
    expect(await importRunsRepo(db).listRuns({ organizationCode: `rep_${dialect}` })).toEqual([]);
    expect(await departmentCount(db, `rep_${dialect}`)).toBe(0);
  });

  it('to a writable file imports and writes it (exit 3: row errors)', async () => {
    const path = join(dir, `errors-${dialect}.csv`);
    const res = await runCli(['import', csv, '--org', `rep_ok_${dialect}`, '--create-org', '--report', path], cliEnv(db));
    expect(res.code, res.stderr).toBe(3);
    expect(existsSync(path)).toBe(true);
  });
});

describe('schedule run NAME', () => {
  let db: TestDb;
  let tq: TestQueue;
  beforeAll(async () => {
    db = await openTestDatabase('mysql', testDatabaseName('accounted_cli_schedule'));
    tq = await openTestQueue('accounted_cli_schedule');
    await tq.startWorker(await openSecondHandle(db));
  });
  afterAll(async () => {
    await tq?.stopWorkers();
    await tq?.close();
    await db?.drop();
  });

  it('--wait prints the report of the run it submitted; without --wait, the run id', { timeout: 60_000 }, async () => {
    const env = tq.env(db);
    const add = await runCli(['schedule', 'add', '--name', 'acc-run', '--org', 'scheduled', '--create-org', '--source', csv, '--cron', '0 2 * * *', '--tz', 'Europe/Zurich'], env);
    expect(add.code, add.stderr).toBe(0);
    const waited = await runCli(['schedule', 'run', 'acc-run', '--wait', '--json'], env);
    expect(waited.code, waited.stderr).toBe(3);
    const report = JSON.parse(waited.stdout) as { runId: string; status: string; counts: { created: number } };
    expect(report).toMatchObject({ status: 'completed_with_errors', counts: { created: 1 } });
    expect((await importRunsRepo(db).getRun(report.runId))?.status).toBe('completed_with_errors');
    expect(await departmentCount(db, 'scheduled')).toBe(1);

    // Unchanged since that run: the next firing is a skipped run, and its id is printed.
    const again = await runCli(['schedule', 'run', 'acc-run', '--json'], env);
    expect(again.code, again.stderr).toBe(0);
    const { runId } = JSON.parse(again.stdout) as { runId: string };
    expect(await importRunsRepo(db).getRun(runId)).toMatchObject({ status: 'skipped', errorCode: 'SOURCE_UNCHANGED' });
    await runCli(['schedule', 'remove', 'acc-run'], env);
  });

  it('add refuses an organization that does not exist, and warns about a source it cannot read now', async () => {
    const env = tq.env(db);
    const noOrg = await runCli(['schedule', 'add', '--name', 'acc-noorg', '--org', 'ghost', '--source', csv, '--cron', '0 2 * * *'], env);
    expect(noOrg.code).toBe(2);
    expect(noOrg.stderr).toContain('organization "ghost" does not exist');
    const unreadable = await runCli(['schedule', 'add', '--name', 'acc-later', '--org', 'scheduled', '--source', join(dir, 'later.csv'), '--cron', '0 2 * * *'], env);
    expect(unreadable.code, unreadable.stderr).toBe(0);
    expect(unreadable.stderr).toMatch(/WARNING: the source .*later\.csv cannot be read now/);
    await runCli(['schedule', 'remove', 'acc-later'], env);
  });
});
