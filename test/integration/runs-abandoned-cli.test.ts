/**
 * Issue 11, item 11: an `orgsync import` SIGKILLed mid-import used to leave its
 * run `running` forever (no job, so no sweep looked at it). Now the run is
 * leased to the CLI process, which renews the lease while it lives; once the
 * lease has expired, the next CLI command (or a worker's sweep) fails the run
 * RUN_ABANDONED, with nothing of it written. With no worker running at all.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importRunsRepo, type ImportRunRecord } from '../../src/adapters/db/index.js';
import { dialects, openTestDatabase, type TestDb } from '../support/db.js';
import { cliEnv, REPO_ROOT, runCli } from '../support/cli.js';
import { departmentCount, generatedTree } from '../support/faultHarness.js';
import { eventually } from '../support/queueHarness.js';

const BIN = fileURLToPath(new URL('../../bin/orgsync.js', import.meta.url));

describe.each(dialects)('a SIGKILLed CLI import (%s)', (dialect) => {
  let db: TestDb;
  const dir = mkdtempSync(join(tmpdir(), 'orgsync-runs-abandoned-'));
  const big = join(dir, 'big.csv');
  const small = join(dir, 'small.csv');

  beforeAll(async () => {
    db = await openTestDatabase(dialect, 'runs_abandoned_cli');
    // Big enough that the import is still reading when it is killed (checked below, not assumed).
    writeFileSync(big, generatedTree(150_000));
    writeFileSync(small, 'name,code\nOther,O\n');
  });
  afterAll(async () => {
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('leaves a run that the next CLI command fails RUN_ABANDONED once its lease expired', { timeout: 120_000 }, async () => {
    // A short lease, so the test need not wait two minutes.
    const env = cliEnv(db, { ORGSYNC_RUN_LEASE_SECONDS: '1' });
    const child = spawn(process.execPath, [BIN, 'import', big, '--org', 'killed', '--create-org', '--json'], { env, cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    let exitCode: number | null | undefined;
    const exited = new Promise<void>((resolve) => child.on('exit', (code) => resolve(void (exitCode = code))));
    const runs = importRunsRepo(db);

    const started = await eventually(async () => {
      if (exitCode !== undefined) throw new Error(`the import ended (exit ${exitCode}) before it could be killed: ${stderr}`);
      return (await runs.listRuns({ organizationCode: 'killed' })).find((r) => r.status === 'running');
    }, 'the import to start');
    expect(started.ownerId).toMatch(new RegExp(`:${child.pid}:`));
    child.kill('SIGKILL');
    await exited;

    const afterKill = (await runs.getRun(started.id)) as ImportRunRecord;
    expect(afterKill.status).toBe('running'); // killed mid-import, not after it finished
    expect(afterKill.leaseExpiresAt).not.toBeNull();
    // Nothing sweeps before the lease has expired: wait until it has (no assertion on time).
    await sleep(Math.max(0, Date.parse(afterKill.leaseExpiresAt!) - Date.now() + 100));

    // The next CLI command sweeps before it imports.
    const next = await runCli(['import', small, '--org', 'other', '--create-org', '--json'], env);
    expect(next.code, next.stderr).toBe(0);

    expect(await runs.getRun(started.id)).toMatchObject({ status: 'failed', errorCode: 'RUN_ABANDONED' });
    expect(await departmentCount(db, 'killed')).toBe(0);
    // The history no longer shows anything running.
    expect((await runs.listRuns({ limit: 100 })).filter((r) => r.status === 'running')).toEqual([]);
  });
});
