/**
 * `npm run load`: orgsync under concurrent work, against the machine's
 * MariaDB and Redis (a database and queue prefix of its own).
 *
 *   npm run load -- [--orgs 8] [--rows 20000] [--rate 20] [--small 1000] [--uploads-in-flight 100]
 *
 * 1. `--orgs` organizations each get two `--rows`-row imports (v1, then v2
 *    renaming every department), uploaded through the HTTP API at once and
 *    processed by 2 `orgsync worker` processes (concurrency 4 each), while the
 *    API serves department reads and creates at `--rate` requests per second
 *    until every run is done. Checks: every run completes; per organization
 *    the two runs never overlap (the first finished before the second took
 *    the lock), the first created and the second updated every department,
 *    and the stored names are the later run's; every API request succeeds,
 *    and no list ever shows a partial import (a total of 0 or `--rows`).
 * 2. `--small` imports of 10 rows each, all submitted at once with at most
 *    `--uploads-in-flight` requests open (p-limit; the API's traffic is open
 *    loop too, with its own bound, see httpTraffic.ts): all complete, none
 *    duplicated, the queue drains. `--uploads-in-flight 1000` sends all 1,000
 *    together, as the figures in docs/reliability.md were measured.
 *
 * The API's per-token rate limit is raised for the run (the default, 600 a
 * minute, would refuse this traffic by design). Prints its figures; exits 0
 * when every check held, 1 otherwise. Bounded: gives up after 20 minutes.
 */
import { parseArgs } from 'node:util';
import { organizationsRepo, repositories } from '../src/adapters/db/index.js';
import { openQueue, openRedis } from '../src/adapters/queue/index.js';
import { createToken } from '../src/app/tokens.js';
import { loadConfig } from '../src/config.js';
import { type LoadContext, runConcurrentImports, runSmallImports } from './lib/loadPhases.js';
import { startLoadServer } from './lib/loadServer.js';
import type { WorkerProcess } from '../test/support/queueHarness.js';
import { dropDatabase, freshDatabase, REDIS_URL, seconds, startWorkerProcess, stopWorkerProcess, workerEnv } from './lib/scriptEnv.js';

const { values: flags } = parseArgs({
  options: {
    orgs: { type: 'string', default: '8' },
    rows: { type: 'string', default: '20000' },
    rate: { type: 'string', default: '20' },
    small: { type: 'string', default: '1000' },
    'uploads-in-flight': { type: 'string', default: '100' },
  },
});

/** A flag's whole number, checked before anything starts. */
function count(name: keyof typeof flags): number {
  const n = Number(flags[name]);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`--${name} must be a whole number of at least 1, got "${flags[name]}"`);
    process.exit(2);
  }
  return n;
}
const sizes = { orgs: count('orgs'), rows: count('rows'), rate: count('rate'), small: count('small'), uploadsInFlight: count('uploads-in-flight') };

const DATABASE = 'orgsync_load';
const PREFIX = '{orgsync-load}';
const CEILING_MS = 20 * 60_000;

for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130)); // exit handlers kill the workers
const giveUp = setTimeout(() => {
  console.error(`LOAD FAILED: still running after ${seconds(CEILING_MS)}`);
  process.exit(1);
}, CEILING_MS);
giveUp.unref();

const startedAt = Date.now();
const db = await freshDatabase(DATABASE);
const config = loadConfig({ ORGSYNC_QUEUE_PREFIX: PREFIX, LOG_LEVEL: 'silent', ORGSYNC_HTTP_RATE_LIMIT: '1000000' });
const redis = await openRedis(REDIS_URL, 'worker');
const queue = openQueue(redis, config.queue);
await queue.obliterate({ force: true });
const server = await startLoadServer(DATABASE, config);
const env = workerEnv(DATABASE, PREFIX, { ORGSYNC_WORKER_CONCURRENCY: '4' });
const workers: WorkerProcess[] = [];

let failed = false;
try {
  workers.push(await startWorkerProcess(env), await startWorkerProcess(env));
  const orgs = Array.from({ length: sizes.orgs }, (_, k) => `load-${k}`);
  for (const code of [...orgs, 'api']) await organizationsRepo(db).create({ code, name: code, nameScope: 'organization' });
  const ctx: LoadContext = {
    db,
    queue,
    base: server.base,
    admin: (await createToken(repositories(db), { isAdmin: true, name: 'load admin' })).token,
    apiOrgToken: (await createToken(repositories(db), { organizationCode: 'api', isAdmin: false, name: 'load api' })).token,
    uploadsInFlight: sizes.uploadsInFlight,
  };
  const problems = [
    ...(await runConcurrentImports(ctx, { orgs, rows: sizes.rows, rate: sizes.rate })),
    ...(await runSmallImports(ctx, sizes.small)),
  ];
  if (problems.length > 0) {
    failed = true;
    console.error(`\nLOAD FAILED: ${problems.length} check(s) did not hold:\n${problems.slice(0, 30).join('\n')}`);
  } else {
    console.log('\nevery check held; data lost: 0');
  }
} catch (err) {
  failed = true;
  console.error(`\nLOAD FAILED: ${(err as Error).stack ?? String(err)}`);
} finally {
  for (const w of workers) await stopWorkerProcess(w);
  await server.close();
  await queue.obliterate({ force: true }).catch(() => undefined);
  await queue.close();
  redis.disconnect();
  await db.close();
  if (!failed) await dropDatabase(DATABASE);
  else console.error(`kept database ${DATABASE} for inspection`);
}
console.log(`total time: ${seconds(Date.now() - startedAt)}`);
process.exit(failed ? 1 : 0);
