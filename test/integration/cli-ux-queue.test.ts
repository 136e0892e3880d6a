/**
 * Issue 14: `orgsync enqueue -` queues standard input (staged like a file)
 * and `--wait` prints the same report as `orgsync import -` would.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSecondHandle, openTestDatabase, type TestDb } from '../support/db.js';
import { openTestQueue, type TestQueue, testDatabaseName } from '../support/queueHarness.js';
import { REPO_ROOT } from '../support/cli.js';

const BIN = fileURLToPath(new URL('../../bin/orgsync.js', import.meta.url));

function withInput(args: string[], env: Record<string, string>, input: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdin.end(input);
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('orgsync enqueue -', () => {
  let db: TestDb;
  let tq: TestQueue;
  beforeAll(async () => {
    db = await openTestDatabase('mysql', testDatabaseName('cli_ux_queue'));
    tq = await openTestQueue('cliux');
    await tq.startWorker(await openSecondHandle(db), { concurrency: 1 });
  });
  afterAll(async () => {
    await tq?.close();
    await db?.drop();
  });

  it('queues standard input and waits for its report', async () => {
    const res = await withInput(['enqueue', '-', '--org', 'piped', '--create-org', '--wait', '--json'], tq.env(db, { LOG_LEVEL: 'warn' }), 'code,name\nP,Piped\n');
    expect(res.code, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ status: 'completed', counts: { created: 1 } });
  });
});
