/**
 * Issue 11, item 16, with the real CLI in a child process on MariaDB:
 * - `--json` prints one JSON error object on stdout on every failure path
 *   (an unexpected error included), never nothing;
 * - the in-process import's database connection KILLed mid-INSERT is retried
 *   as the worker's job is: the same run completes, equal to a clean run.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importRunsRepo } from '../../src/adapters/db/index.js';
import { mysqlTestUrl, openTestDatabase, type TestDb } from '../support/db.js';
import { cliEnv, type CliResult, runCli } from '../support/cli.js';
import { generatedTree, storedRowResults, treeChecksum } from '../support/faultHarness.js';
import { importText } from '../support/importHarness.js';
import { eventually, testDatabaseName } from '../support/queueHarness.js';

const ROWS = 20_000;

describe('the CLI on failure and on transient faults', () => {
  let db: TestDb;
  let dir: string;

  beforeAll(async () => {
    db = await openTestDatabase('mysql', testDatabaseName('errors_cli'));
    dir = mkdtempSync(join(tmpdir(), 'errors-cli-'));
    writeFileSync(join(dir, 'ok.csv'), 'name,code\nSales,S\n');
  });
  afterAll(async () => {
    await db?.drop();
  });

  const jsonError = (res: CliResult) => {
    const lines = res.stdout.trim().split('\n');
    expect(lines, `stdout: ${res.stdout}\nstderr: ${res.stderr}`).toHaveLength(1);
    const parsed = JSON.parse(lines[0]!) as { error: { code: string; message: string } };
    expect(Object.keys(parsed)).toEqual(['error']);
    expect(typeof parsed.error.message).toBe('string');
    return parsed.error;
  };

  it('--json prints one JSON error object for every kind of failure', async () => {
    const env = cliEnv(db);
    const unreachable = { ...env, DATABASE_URL: 'mysql://root@127.0.0.1:1/nowhere' };
    const cases: [string[], Record<string, string>, string, number][] = [
      // An unexpected error: the database does not answer.
      [['import', join(dir, 'ok.csv'), '--org', 'acme', '--create-org', '--json'], unreachable, 'INTERNAL_ERROR', 1],
      [['import', join(dir, 'missing.csv'), '--org', 'acme', '--json'], env, 'SOURCE_UNAVAILABLE', 1],
      [['import', join(dir, 'ok.csv'), '--org', 'acme', '--mode', 'sideways', '--json'], env, 'USAGE_ERROR', 2],
      [['import', join(dir, 'ok.csv'), '--org', 'acme', '--no-such-flag', '--json'], env, 'USAGE_ERROR', 2],
      [['import', join(dir, 'ok.csv'), '--org', 'acme', '--json'], { ...env, ORGSYNC_JOB_ATTEMPTS: 'many' }, 'CONFIG_INVALID', 2],
      [['runs', '--json'], unreachable, 'INTERNAL_ERROR', 1],
      [['retry', 'run_01JC6Z7P4N3M2K1J0H9G8F7E6D', '--json'], { ...env, ORGSYNC_QUEUE_PREFIX: `{errors-cli-${process.pid}}` }, 'USAGE_ERROR', 2], // an unknown run id is a usage error (exit 2), as before,
    ];
    for (const [args, caseEnv, code, exit] of cases) {
      const res = await runCli(args, caseEnv);
      expect(res.code, `${args.join(' ')}: ${res.stderr}`).toBe(exit);
      expect(jsonError(res).code, args.join(' ')).toBe(code);
      expect(res.stderr).not.toMatch(/\n\s+at /); // no stack trace
    }
  });

  it('retries an in-process import whose connection is killed mid-INSERT; the same run completes', async () => {
    const file = generatedTree(ROWS);
    const clean = await importText(db, file, { org: 'clean' });
    const expected = await treeChecksum(db, 'clean');
    const path = join(dir, 'tree.csv');
    writeFileSync(path, file);
    const admin = await mysql.createConnection({ uri: mysqlTestUrl(db.location) });
    try {
      const child = runCli(['import', path, '--org', 'killed', '--create-org', '--json'], cliEnv(db, { ORGSYNC_JOB_ATTEMPTS: '3', ORGSYNC_JOB_BACKOFF_MS: '200' }));
      let finished = false;
      void child.finally(() => (finished = true));
      const victim = await eventually(async () => {
        if (finished) throw new Error('the import ended before an INSERT could be caught');
        const [rows] = (await admin.query(
          "SELECT ID AS id FROM information_schema.PROCESSLIST WHERE DB = ? AND COMMAND = 'Query' AND INFO LIKE 'insert into `departments`%'",
          [db.location],
        )) as [{ id: number }[], unknown];
        return rows[0]?.id;
      }, 'an INSERT into departments');
      await admin.query(`KILL CONNECTION ${victim}`);
      const res = await child;
      expect(res.stderr).toMatch(/attempt 1 hit a transient fault/);
      expect(res.code, res.stderr).toBe(3); // row errors, as the clean run has
      const report = JSON.parse(res.stdout.trim()) as { runId: string; status: string; counts: unknown };
      expect(report).toMatchObject({ status: 'completed_with_errors', counts: clean.counts });
      expect(await treeChecksum(db, 'killed')).toEqual(expected);
      expect(await storedRowResults(db, report.runId)).toBe(await storedRowResults(db, clean.runId));
      const runs = await importRunsRepo(db).listRuns({ organizationCode: 'killed' });
      expect(runs).toHaveLength(1);
      expect(runs[0]).toMatchObject({ id: report.runId, status: 'completed_with_errors', attempts: 2 });
    } finally {
      await admin.end();
    }
  });
});

