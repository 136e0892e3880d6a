/**
 * SIGINT/SIGTERM to an `orgsync import` mid-import: the run ends `cancelled`
 * (RUN_CANCELLED), its transaction is rolled back (no department, not even the
 * organization --create-org was creating), the organization's lock is free for
 * the next import, and the exit code is the shell's 128 + signal (130, 143).
 * On MariaDB the signal is sent while the import is writing (its uncommitted
 * rows are seen through a READ UNCOMMITTED probe), so the rollback is real.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importRunsRepo, TABLES } from '../../src/adapters/db/index.js';
import { dialects, openTestDatabase, type TestDb } from '../support/db.js';
import { cliEnv, REPO_ROOT, runCli } from '../support/cli.js';
import { departmentCount, generatedTree } from '../support/faultHarness.js';
import { eventually } from '../support/queueHarness.js';

const BIN = fileURLToPath(new URL('../../bin/orgsync.js', import.meta.url));

describe.each(dialects)('a signalled CLI import (%s)', (dialect) => {
  let db: TestDb;
  const dir = mkdtempSync(join(tmpdir(), 'orgsync-accounted-cancel-'));
  const big = join(dir, 'big.csv');

  beforeAll(async () => {
    db = await openTestDatabase(dialect, 'accounted_cancel_cli');
    writeFileSync(big, generatedTree(100_000));
  });
  afterAll(async () => {
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Rows written but not committed (MariaDB only): the import is in its transaction. */
  async function uncommittedDepartments(): Promise<number> {
    return db.knex.transaction(async (trx) => {
      await trx.raw('SET SESSION TRANSACTION ISOLATION LEVEL READ UNCOMMITTED');
      const row = (await trx(TABLES.departments).count({ n: '*' }).first()) as { n: number | string };
      return Number(row.n);
    });
  }

  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('%s marks the run cancelled, writes nothing and exits %i', { timeout: 120_000 }, async (signal, exit) => {
    const org = `cancel_${signal.toLowerCase()}`;
    const env = cliEnv(db);
    const child = spawn(process.execPath, [BIN, 'import', big, '--org', org, '--create-org', '--json'], { env, cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    let exitCode: number | null | undefined;
    const exited = new Promise<void>((resolve) => child.on('exit', (code) => resolve(void (exitCode = code))));
    const runs = importRunsRepo(db);

    const started = await eventually(async () => {
      if (exitCode !== undefined) throw new Error(`the import ended (exit ${exitCode}) before the signal: ${stderr}`);
      const run = (await runs.listRuns({ organizationCode: org })).find((r) => r.status === 'running');
      if (!run || dialect === 'sqlite') return run;
      return (await uncommittedDepartments()) > 0 ? run : undefined;
    }, 'the import to be running (writing, on MariaDB)');
    child.kill(signal);
    await exited;

    expect(exitCode, stderr).toBe(exit);
    expect(stderr).toContain(`run ${started.id} cancelled (${signal})`);
    expect(JSON.parse(stdout)).toMatchObject({ runId: started.id, status: 'cancelled', error: { code: 'RUN_CANCELLED' } });
    expect(await runs.getRun(started.id)).toMatchObject({ status: 'cancelled', errorCode: 'RUN_CANCELLED' });
    expect((await runs.getRun(started.id))?.finishedAt).not.toBeNull();
    expect(await departmentCount(db, org)).toBe(0);
    expect(await db.knex(TABLES.organizations).where({ code: org }).first()).toBeUndefined();
    // The lock was released: the next import of the organization goes through.
    const small = join(dir, `${org}.csv`);
    writeFileSync(small, 'name,code\nAfter,AFTER\n');
    const next = await runCli(['import', small, '--org', org, '--create-org', '--json'], { ...env, ORGSYNC_LOCK_TIMEOUT_SECONDS: '5' });
    expect(next.code, next.stderr).toBe(0);
    expect(await departmentCount(db, org)).toBe(1);
    // Nothing is left running.
    expect((await runs.listRuns({ limit: 100 })).filter((r) => r.status === 'running')).toEqual([]);
  });
});
