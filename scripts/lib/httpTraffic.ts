/**
 * Steady HTTP traffic for `npm run load`: requests start on a fixed schedule
 * (open loop: request n starts at n / rate seconds, whether or not earlier
 * ones have answered), so a slow server shows up as latency rather than as a
 * lower request rate, and latencies are measured from the scheduled start.
 * Open loop is bounded all the same: at most `maxInFlight` requests are open
 * (p-limit), so a stalled server makes the script queue requests (and count
 * their wait as latency) instead of opening sockets without end.
 */
import { performance } from 'node:perf_hooks';
import pLimit from 'p-limit';
import { sleep } from './scriptEnv.js';

export interface Sample {
  kind: string;
  ms: number;
  ok: boolean;
  status: number;
  problem?: string;
}

/** One request: its kind (for the figures) and how to make it; resolves to a problem description, or undefined when it went right. */
export interface PlannedRequest {
  kind: string;
  run(): Promise<{ status: number; problem?: string }>;
}

export interface Traffic {
  /** Stops scheduling new requests and waits for those already scheduled. */
  stop(): Promise<Sample[]>;
}

const MAX_IN_FLIGHT = 64;

export function steadyTraffic(ratePerSecond: number, next: (n: number) => PlannedRequest, ceilingMs: number, maxInFlight = MAX_IN_FLIGHT): Traffic {
  const samples: Sample[] = [];
  const limit = pLimit(maxInFlight);
  const started: Promise<unknown>[] = [];
  let stopped = false;
  const start = performance.now();
  const interval = 1000 / ratePerSecond;

  const fire = (n: number, scheduledAt: number) => {
    const request = next(n);
    const sample = (status: number, problem: string | undefined) =>
      samples.push({ kind: request.kind, ms: performance.now() - scheduledAt, ok: problem === undefined, status, ...(problem ? { problem } : {}) });
    started.push(
      limit(() => request.run()).then(
        ({ status, problem }) => sample(status, problem),
        (err: unknown) => sample(0, (err as Error).message),
      ),
    );
  };

  const loop = (async () => {
    for (let n = 0; !stopped && performance.now() - start < ceilingMs; n++) {
      const at = start + n * interval;
      const wait = at - performance.now();
      if (wait > 0) await sleep(wait);
      if (stopped) break;
      fire(n, at);
    }
  })();

  return {
    async stop() {
      stopped = true;
      await loop;
      await Promise.all(started);
      return samples;
    },
  };
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export interface LatencySummary {
  kind: string;
  count: number;
  errors: number;
  p50: number;
  p99: number;
  max: number;
}

export function summarise(samples: readonly Sample[]): LatencySummary[] {
  const kinds = ['all', ...new Set(samples.map((s) => s.kind))];
  return kinds.map((kind) => {
    const of = kind === 'all' ? samples : samples.filter((s) => s.kind === kind);
    const ms = of.map((s) => s.ms).sort((a, b) => a - b);
    return { kind, count: of.length, errors: of.filter((s) => !s.ok).length, p50: percentile(ms, 50), p99: percentile(ms, 99), max: ms.at(-1) ?? 0 };
  });
}
