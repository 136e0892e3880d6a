/**
 * The rounds of `npm run chaos` (see scripts/chaos.ts): each one submits the
 * same file for a fresh organization, hurts whoever is processing it, and
 * checks the result against a clean in-process run of that file.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { type Db, type ImportRunRecord, importRunsRepo, repositories } from '../../src/adapters/db/index.js';
import { openQueue, openRedis } from '../../src/adapters/queue/index.js';
import { parseImportOptions } from '../../src/core/importOptions.js';
import { bufferSource, submitImport } from '../../src/app/submitImport.js';
import { isSettled } from '../../src/app/waitForRun.js';
import { loadConfig } from '../../src/config.js';
import { departmentCount, generatedTree, storedRowResults, type TreeChecksum, treeChecksum } from '../../test/support/faultHarness.js';
import { importText } from '../../test/support/importHarness.js';
import type { WorkerProcess } from '../../test/support/queueHarness.js';
import { ensureMariadbUp, stopMariadb } from './mariadb.js';
import { dropDatabase, freshDatabase, REDIS_URL, sleep, startWorkerProcess, stopWorkerProcess, waitFor, workerEnv } from './scriptEnv.js';

const DATABASE = 'orgsync_chaos';
const PREFIX = '{orgsync-chaos}';

/**
 * A dead worker's job goes to another worker once its lock expires (8 s: well
 * above the longest event-loop block of planning 50,000 rows, so a live worker
 * never looks dead) and a stalled check runs (every second).
 */
const WORKER_SETTINGS = {
  ORGSYNC_WORKER_CONCURRENCY: '1',
  ORGSYNC_JOB_LOCK_MS: '8000',
  ORGSYNC_STALLED_INTERVAL_MS: '1000',
  // Room for a MariaDB restart: retries after 2, 4, 8, 16, 32 s.
  ORGSYNC_JOB_ATTEMPTS: '6',
  ORGSYNC_JOB_BACKOFF_MS: '2000',
};

export type KillRound =
  | { kind: 'missed' }
  | { kind: 'survived'; phase: string; rowsDone: number; recoveryMs: number; count: number; attempts: number };

export interface RestartRound {
  phase: string;
  downMs: number;
  totalMs: number;
  attempts: number;
  count: number;
}

class CheckFailed extends Error {}

function check(condition: boolean, what: string): void {
  if (!condition) throw new CheckFailed(what);
}

const progressOf = (run: ImportRunRecord | undefined) => (run?.progress ?? {}) as { phase?: string; rowsDone?: number };

export async function openChaos(rows: number) {
  const db: Db = await freshDatabase(DATABASE);
  const config = loadConfig({ ORGSYNC_QUEUE_PREFIX: PREFIX, ORGSYNC_JOB_ATTEMPTS: WORKER_SETTINGS.ORGSYNC_JOB_ATTEMPTS, ORGSYNC_JOB_BACKOFF_MS: WORKER_SETTINGS.ORGSYNC_JOB_BACKOFF_MS });
  const redis: Redis = await openRedis(REDIS_URL, 'worker');
  const queue: Queue = openQueue(redis, config.queue);
  queue.on('error', () => undefined);
  await queue.obliterate({ force: true });
  const env = workerEnv(DATABASE, PREFIX, WORKER_SETTINGS);
  const file = generatedTree(rows);
  const runs = importRunsRepo(db);

  const t0 = Date.now();
  const cleanReport = await importText(db, file, { org: 'clean' });
  const clean = { ms: Date.now() - t0, status: cleanReport.status, counts: cleanReport.counts, checksum: await treeChecksum(db, 'clean'), rowResults: await storedRowResults(db, cleanReport.runId) };

  const options = parseImportOptions({ createOrg: true });
  if (!options.ok) throw new Error(options.message);
  const submit = async (org: string): Promise<string> => {
    const result = await submitImport({ repos: repositories(db), queue }, { organizationCode: org, source: bufferSource('chaos.csv', Buffer.from(file)), options: options.value });
    if (result.kind !== 'submitted' || !result.enqueued) throw new Error(`not submitted: ${JSON.stringify(result)}`);
    return result.runId;
  };
  /** The run row; undefined while the database is unreachable (a restart). */
  const getRun = (runId: string) => runs.getRun(runId).catch(() => undefined);
  const settled = (runId: string, ceilingMs: number) =>
    waitFor(`run ${runId} to finish`, async () => {
      const run = await getRun(runId);
      return run && isSettled(run.status) ? run : undefined;
    }, ceilingMs);

  /** The organization equals the clean run: same departments, no duplicates, same row results, one run. */
  async function verify(org: string, run: ImportRunRecord): Promise<TreeChecksum> {
    check(run.status === clean.status, `${org}: run ${run.id} is ${run.status}, a clean run is ${clean.status}`);
    check(isDeepStrictEqual(run.counts, clean.counts), `${org}: counts ${JSON.stringify(run.counts)} differ from a clean run's`);
    const sum = await treeChecksum(db, org);
    check(isDeepStrictEqual(sum, clean.checksum), `${org}: departments differ from a clean run (${JSON.stringify(sum)})`);
    check(sum.distinctCodes === sum.count, `${org}: duplicated departments`);
    check((await storedRowResults(db, run.id)) === clean.rowResults, `${org}: row results differ from a clean run's`);
    check((await runs.listRuns({ organizationCode: org })).length === 1, `${org}: more than one run recorded`);
    return sum;
  }

  return {
    db,
    clean,

    /** How long a queued run takes from `running` to done, with one worker: the window kills are drawn from. */
    async calibrate(): Promise<number> {
      const worker = await startWorkerProcess(env);
      const runId = await submit('calibrate');
      await waitFor('the calibration run to start', async () => ((await getRun(runId))?.status === 'running' ? true : undefined), 60_000, 5);
      const started = Date.now();
      const run = await settled(runId, 300_000);
      const window = Date.now() - started;
      await stopWorkerProcess(worker);
      await verify('calibrate', run);
      return window;
    },

    async killRound(org: string, delayMs: number): Promise<KillRound> {
      const first = await startWorkerProcess(env);
      const runId = await submit(org);
      await waitFor(`${org} to start`, async () => ((await getRun(runId))?.status === 'running' ? true : undefined), 60_000, 5);
      await sleep(delayMs);
      const before = await getRun(runId);
      first.child.kill('SIGKILL');
      await first.exited;
      const afterKill = await getRun(runId);
      if (!afterKill || isSettled(afterKill.status)) {
        await settled(runId, 60_000);
        return { kind: 'missed' };
      }
      // The import's transaction died with its connection: nothing of it is visible.
      check((await departmentCount(db, org)) === 0, `${org}: departments visible right after the kill`);

      const second = await startWorkerProcess(env);
      const recoveryStart = Date.now();
      const run = await settled(runId, 300_000);
      const recoveryMs = Date.now() - recoveryStart;
      await stopWorkerProcess(second);
      const sum = await verify(org, run);
      check(run.attempts === 2, `${org}: ${run.attempts} attempts, expected 2`);
      const finished = [first, second].flatMap(finishedLines(runId));
      check(finished.length === 1, `${org}: "run finished" logged ${finished.length} times`);
      const { phase = 'starting', rowsDone = 0 } = progressOf(before);
      return { kind: 'survived', phase, rowsDone, recoveryMs, count: sum.count, attempts: run.attempts };
    },

    async mariadbRestart(org: string): Promise<RestartRound> {
      const worker = await startWorkerProcess(env);
      try {
        const start = Date.now();
        const runId = await submit(org);
        await waitFor(`${org} to start writing`, async () => (progressOf(await getRun(runId)).phase === 'writing' ? true : undefined), 120_000, 5);
        const down = Date.now();
        try {
          stopMariadb();
        } finally {
          ensureMariadbUp();
        }
        const downMs = Date.now() - down;
        const run = await settled(runId, 300_000);
        const sum = await verify(org, run);
        check(run.attempts >= 2, `${org}: ${run.attempts} attempt(s): the restart did not interrupt the run`);
        return { phase: 'writing', downMs, totalMs: Date.now() - start, attempts: run.attempts, count: sum.count };
      } finally {
        await stopWorkerProcess(worker);
      }
    },

    /** Drops the database when every check held; keeps it for a look otherwise. */
    async close(dropIt: boolean): Promise<void> {
      ensureMariadbUp();
      await queue.obliterate({ force: true }).catch(() => undefined);
      await queue.close().catch(() => undefined);
      redis.disconnect();
      await db.close();
      if (dropIt) await dropDatabase(DATABASE);
      else console.error(`kept database ${DATABASE} for inspection`);
    },
  };
}

const finishedLines = (runId: string) => (w: WorkerProcess) =>
  w
    .output()
    .split('\n')
    .filter((line) => line.includes(runId) && line.includes('"run finished"'));
