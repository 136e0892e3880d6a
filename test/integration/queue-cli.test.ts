/**
 * `orgsync enqueue --wait` prints exactly what `orgsync import` prints for the
 * same file, and exits with the same code: the real CLI in child processes,
 * one database each (so the organization is the same), the queued one
 * processed by a worker.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSecondHandle, openTestDatabase, type TestDb } from '../support/db.js';
import { baseEnv, openTestQueue, runOrgsync, type TestQueue, testDatabaseName } from '../support/queueHarness.js';

const work = mkdtempSync(join(tmpdir(), 'orgsync-queue-cli-'));
const file = (name: string, text: string): string => {
  const path = join(work, name);
  writeFileSync(path, text);
  return path;
};

/** Run ids are the only thing that may differ. */
const normalise = (text: string): string => text.replace(/run_[0-9A-Z]{26}/g, 'run_ID');

describe('orgsync enqueue --wait', () => {
  let inProcessDb: TestDb;
  let queuedDb: TestDb;
  let tq: TestQueue;

  beforeAll(async () => {
    [inProcessDb, queuedDb] = await Promise.all([openTestDatabase('mysql', testDatabaseName('queue_cli_a')), openTestDatabase('mysql', testDatabaseName('queue_cli_b'))]);
    tq = await openTestQueue('cli');
    await tq.startWorker(await openSecondHandle(queuedDb), { concurrency: 2 });
  });
  afterAll(async () => {
    await tq?.close();
    await inProcessDb?.drop();
    await queuedDb?.drop();
  });

  const both = async (args: string[]) => {
    const [direct, queued] = await Promise.all([
      runOrgsync(['import', ...args], baseEnv(inProcessDb)),
      runOrgsync(['enqueue', ...args, '--wait'], tq.env(queuedDb, { LOG_LEVEL: 'warn' })),
    ]);
    return { direct, queued };
  };

  // Each case runs the CLI twice in parallel; a CLI start costs ~2 s, so the cases are few and each one counts.
  it.each([
    ['a clean import (exit 0)', 'fixtures/authing-style.csv', ['--org', 'acme', '--create-org'], 0],
    [
      'row errors and a warning (exit 3)',
      file('errors.csv', 'name,code,parentCode,colour\nRoot,R,,red\nOrphan,O,MISSING,blue\nChild,C,O,\n,NONAME,R,\n'),
      ['--org', 'beta', '--create-org'],
      3,
    ],
    ['row errors as --json (exit 3)', file('errors2.csv', 'name,code,parentCode\nRoot,R,\nOrphan,O,MISSING\n'), ['--org', 'beta2', '--create-org', '--json'], 3],
    ['a bad file (exit 1)', file('broken.csv', 'name,code\n"unclosed,X\n'), ['--org', 'gamma', '--create-org'], 1],
  ])('%s: same output and exit code', async (_what, input, flags, code) => {
    const { direct, queued } = await both([input, ...flags]);
    expect(direct.code).toBe(code);
    expect(queued.code).toBe(direct.code);
    expect(normalise(queued.stdout)).toBe(normalise(direct.stdout));
    expect(queued.stderr).toBe('');
  });

  it('without --wait prints the run id; the same file again prints the same run id while it is queued', async () => {
    const args = ['enqueue', file('plain.csv', 'name,code\nSolo,S\n'), '--org', 'delta', '--create-org', '--dry-run'];
    // Workers stopped: the run stays queued.
    await tq.stopWorkers();
    const first = await runOrgsync(args, tq.env(queuedDb));
    const again = await runOrgsync([...args, '--json'], tq.env(queuedDb));
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^run_[0-9A-Z]{26}\n$/);
    expect(JSON.parse(again.stdout)).toEqual({ runId: first.stdout.trim(), status: 'queued', duplicate: true });
    expect(again.stderr).toContain('already queued or running');
  });
});
