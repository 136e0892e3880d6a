/**
 * The measurements of the API scenarios (bench/api.ts), each against a server
 * already running: autocannon runs (throughput and latency percentiles), one
 * timed request, and a streamed response read with the server's RSS sampled.
 */
import { readFileSync } from 'node:fs';
import autocannon, { type Result } from 'autocannon';

export interface LoadResult {
  seconds: number;
  /** Responses with a 2xx status, per second of the run. */
  requestsPerSecond: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** autocannon's latency histogram, whole milliseconds, of 2xx responses only. */
  p50: number;
  p99: number;
  max: number;
}

export interface PostLoad {
  base: string;
  path: string;
  headers: Record<string, string>;
  /** The body of the n-th request of this run (1, 2, ...): each must create a new department. */
  body(n: number): Record<string, unknown>;
  connections: number;
  seconds: number;
}

function summary(r: Result, seconds: number): LoadResult {
  return {
    seconds,
    requestsPerSecond: r['2xx'] / seconds,
    ok: r['2xx'],
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    p50: r.latency.p50,
    p99: r.latency.p99,
    max: r.latency.max,
  };
}

/** POSTs from `connections` connections for `seconds`, after a 2 s warm-up from 10 connections (not kept). */
export async function postLoad(load: PostLoad): Promise<LoadResult> {
  let n = 0;
  const request = {
    method: 'POST',
    path: load.path,
    headers: { ...load.headers, 'content-type': 'application/json' },
    // Called for every request (autocannon's hook): the body is made as it is sent.
    setupRequest: (req: Record<string, unknown>) => ({ ...req, body: JSON.stringify(load.body(++n)) }),
  };
  const run = (connections: number, duration: number) => autocannon({ url: load.base, connections, duration, timeout: 30, requests: [request] });
  await run(10, 2);
  return summary(await run(load.connections, load.seconds), load.seconds);
}

/**
 * GETs of one URL for `seconds`, one at a time over one connection (after 20
 * not kept): the latency of a request on a server with nothing else to do.
 */
export async function getLatency(base: string, path: string, headers: Record<string, string>, seconds: number): Promise<LoadResult> {
  const requests = [{ method: 'GET', path, headers }];
  await autocannon({ url: base, connections: 1, amount: 20, timeout: 30, requests });
  return summary(await autocannon({ url: base, connections: 1, duration: seconds, timeout: 30, requests }), seconds);
}

/** utime + stime of a process in clock ticks (100 per second on Linux); 0 when it is gone. */
function cpuTicks(pid: number): number {
  try {
    // Fields after the command name (which may hold spaces, hence the last ')'): utime is the 12th, stime the 13th.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

/**
 * Waits until each process has used under 5% of a core over half a second
 * (at most `maxMs`): a latency scenario measures a server with nothing else
 * to do, and right after the streamed tree the server was still collecting
 * its garbage (the first list page then ran at 298 requests/s against 491-513
 * for the next two, and missed its p99 by 1 ms). Returns the milliseconds
 * waited, for the report.
 */
export async function waitForIdle(pids: readonly number[], maxMs = 15_000): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < maxMs) {
    const before = pids.map(cpuTicks);
    await new Promise((r) => setTimeout(r, 500));
    const busiest = Math.max(...pids.map((pid, i) => cpuTicks(pid) - before[i]!));
    if (busiest <= 2) break; // 2 ticks = 20 ms of CPU in 500 ms: 4% of a core
  }
  return Math.round(performance.now() - started);
}

/** One request, timed from sending to the end of the body. */
export async function timed(url: string, init: RequestInit): Promise<{ ms: number; status: number; body: string }> {
  const start = performance.now();
  const res = await fetch(url, init);
  const body = await res.text();
  return { ms: performance.now() - start, status: res.status, body };
}

export interface Streamed {
  ms: number;
  status: number;
  bytes: number;
  /** Occurrences of `"id":` in the body: the objects sent (departments, plus any nested object with an id). */
  ids: number;
  /** The server's VmRSS just before the request and the highest sampled during it, KiB. */
  idleKiB: number;
  peakKiB: number;
  samples: number;
}

function vmRssKiB(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/**
 * GETs `url` and reads the body as it arrives, counting bytes without keeping
 * them, while the server's VmRSS (/proc/<pid>/status) is sampled every 10 ms.
 */
export async function streamWithRss(url: string, headers: Record<string, string>, pid: number): Promise<Streamed> {
  const idleKiB = vmRssKiB(pid);
  let peakKiB = idleKiB;
  let samples = 1;
  const sampler = setInterval(() => {
    peakKiB = Math.max(peakKiB, vmRssKiB(pid));
    samples++;
  }, 10);
  const needle = '"id":';
  let bytes = 0;
  let ids = 0;
  let carry = '';
  const start = performance.now();
  try {
    const res = await fetch(url, { headers });
    const decoder = new TextDecoder();
    for await (const chunk of res.body ?? []) {
      bytes += (chunk as Uint8Array).byteLength;
      // The text of this chunk plus the tail of the last, so a needle split between chunks is counted once.
      const text = carry + decoder.decode(chunk as Uint8Array, { stream: true });
      for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + needle.length)) ids++;
      carry = text.slice(-(needle.length - 1));
    }
    const ms = performance.now() - start;
    peakKiB = Math.max(peakKiB, vmRssKiB(pid));
    return { ms, status: res.status, bytes, ids, idleKiB, peakKiB, samples };
  } finally {
    clearInterval(sampler);
  }
}
