/**
 * CPU per API create (issue 12's POST target), not wall time: on 2 cores
 * shared by autocannon, MariaDB and the server, throughput follows the CPU
 * each request costs, and CPU time is far less disturbed by other work on
 * the machine than requests per second.
 *
 *   node --import tsx bench/apiCpu.ts setup      # once: an organization of 100,000 (as bench/api.ts loads it) and a token
 *   node --import tsx bench/apiCpu.ts            # `orgsync serve` (this tree's build), RUNS runs of N creates from CONNS connections
 *   FLOOR=1 node --import tsx bench/apiCpu.ts    # the same against the API floor (bench/apiFloor.ts)
 *
 * Per run (after 1,000 creates not kept, so the JIT has settled): req/s,
 * p50/p99, the server's utime+stime per create (/proc/<pid>/stat), and
 * MariaDB's: the whole mariadbd process (every database's work, the
 * machine's other users included) and only its threads serving connections
 * to this database (information_schema.PROCESSLIST.TID, one thread per
 * connection), which is the figure to compare. Env: DB (database, default
 * orgsync_bench_apicpu), BASE_URL (server URL without a database), REDIS_URL,
 * QUEUE_PREFIX (default {apicpu}), ROOT (the tree whose bin/orgsync.js runs),
 * N, RUNS, CONNS, SERVER_NODE_ARGS (node options for the server, which
 * NODE_OPTIONS refuses: `--cpu-prof --cpu-prof-dir=/tmp/x`, or
 * `--perf-basic-prof-only-functions` for `perf record -p <server pid>`).
 * Profiles: V8's --cpu-prof samples wall time, so on a loaded machine the
 * socket writes that wake mariadbd (writeBuffer, writev) look several times
 * costlier than their CPU; perf's cpu-clock samples only CPU.
 */
import { execSync, spawn } from 'node:child_process';
import { openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import mysql from 'mysql2/promise';
import { resetDatabase } from './backends.js';
import { apiOrg } from './generate.js';
import { cliImport } from './issue15.js';

const DB = process.env.DB ?? 'orgsync_bench_apicpu';
const BASE_URL = process.env.BASE_URL ?? 'mysql://root@127.0.0.1:3306';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const PREFIX = process.env.QUEUE_PREFIX ?? '{apicpu}';
const ORG = 'apibench';
const STATE = join(tmpdir(), `${DB}.json`);
const env = { ...process.env, DATABASE_URL: `${BASE_URL}/${DB}`, REDIS_URL, ORGSYNC_QUEUE_PREFIX: PREFIX };

async function setup(): Promise<void> {
  await resetDatabase({ baseUrl: BASE_URL, redisUrl: REDIS_URL, queuePrefix: PREFIX }, DB);
  const org = apiOrg(100_000, 10_000);
  const file = join(tmpdir(), `${DB}.csv`);
  writeFileSync(file, org.csv);
  cliImport(file, ORG, env);
  const out = execSync(`${process.execPath} bin/orgsync.js token create --org ${ORG} --name cpu --json`, { env, encoding: 'utf8' });
  writeFileSync(STATE, JSON.stringify({ token: (JSON.parse(out) as { token: string }).token, postParents: org.postParents }));
  process.stderr.write(`${DB}: 100,000 departments; state in ${STATE}\n`);
}

/** utime + stime, in clock ticks (10 ms), of a process or one of its threads. */
function ticks(path: string): number {
  const f = readFileSync(path, 'utf8').split(') ')[1]!.split(' ');
  return Number(f[11]) + Number(f[12]);
}

async function measure(): Promise<void> {
  const { token, postParents } = JSON.parse(readFileSync(STATE, 'utf8')) as { token: string; postParents: string[] };
  const n = Number(process.env.N ?? 5000);
  const runs = Number(process.env.RUNS ?? 3);
  const connections = Number(process.env.CONNS ?? 50);
  const port = 18000 + Math.floor(Math.random() * 1000);
  const floor = process.env.FLOOR === '1';
  // SERVER_NODE_ARGS: extra node options for the server, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` (not allowed in NODE_OPTIONS).
  const nodeArgs = (process.env.SERVER_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
  const args = [...nodeArgs, ...(floor ? ['--import', 'tsx', 'bench/apiFloor.ts'] : [join(process.env.ROOT ?? '.', 'bin/orgsync.js'), 'serve', '--port', String(port)])];
  const child = spawn(process.execPath, args, {
    env: { ...env, PORT: String(port), BENCH_ORG: ORG, LOG_LEVEL: 'info', ORGSYNC_HTTP_RATE_LIMIT: '100000000', ORGSYNC_HTTP_MAX_WAIT_SECONDS: '600' },
    stdio: ['ignore', 'pipe', openSync(join(tmpdir(), `${DB}.server.log`), 'w')],
  });
  let ready = false;
  child.stdout!.on('data', (b: Buffer) => (ready ||= /orgsync server ready|api floor ready/.test(b.toString())));
  for (let i = 0; i < 300 && !ready; i++) await sleep(100);
  if (!ready) throw new Error('the server did not start');
  const maria = execSync('pgrep -x mariadbd').toString().trim().split('\n')[0]!;
  const admin = await mysql.createConnection({ uri: BASE_URL });
  // The CPU of mariadbd's threads serving this database's connections (a thread that came or went meanwhile is left out).
  const threads = async () => {
    const [rows] = await admin.query<mysql.RowDataPacket[]>('SELECT TID FROM information_schema.PROCESSLIST WHERE DB = ?', [DB]);
    const m = new Map<number, number>();
    for (const r of rows) {
      try {
        m.set(Number(r.TID), ticks(`/proc/${maria}/task/${r.TID}/stat`));
      } catch {
        // gone
      }
    }
    return m;
  };
  const tag = Date.now().toString(36);
  let k = 0;
  const request = {
    method: 'POST',
    path: `/v1/organizations/${ORG}/departments`,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    setupRequest: (req: Record<string, unknown>) => {
      const i = ++k;
      const parentDepartmentId = postParents[(i * 7919) % postParents.length];
      return { ...req, body: JSON.stringify({ name: `CPU ${tag} ${i}`, code: `CPU-${tag}-${i}`, parentDepartmentId, departmentIdType: 'code' }) };
    },
  };
  const url = `http://127.0.0.1:${port}`;
  try {
    await autocannon({ url, connections: 10, amount: 1000, timeout: 30, requests: [request] });
    for (let r = 0; r < runs; r++) {
      const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
      const t0 = await threads();
      const s0 = ticks(`/proc/${child.pid}/stat`);
      const m0 = ticks(`/proc/${maria}/stat`);
      const start = performance.now();
      const res = await autocannon({ url, connections, amount: n, timeout: 30, requests: [request] });
      const seconds = (performance.now() - start) / 1000;
      const s1 = ticks(`/proc/${child.pid}/stat`);
      const m1 = ticks(`/proc/${maria}/stat`);
      let db = 0;
      for (const [tid, v] of await threads()) if (t0.has(tid)) db += v - t0.get(tid)!;
      const perCreate = (t: number) => +((t * 10) / n).toFixed(3);
      process.stdout.write(
        `${JSON.stringify({
          who: floor ? 'floor' : 'orgsync',
          ok: res['2xx'],
          non2xx: res.non2xx,
          rps: Math.round(res['2xx'] / seconds),
          p50: res.latency.p50,
          p99: res.latency.p99,
          serverMs: perCreate(s1 - s0),
          mariadbThreadsMs: perCreate(db),
          mariadbProcessMs: perCreate(m1 - m0),
          load,
        })}\n`,
      );
    }
  } finally {
    await admin.end();
    child.kill('SIGINT');
    await new Promise((r) => child.on('exit', r));
  }
}

await (process.argv[2] === 'setup' ? setup() : measure());
