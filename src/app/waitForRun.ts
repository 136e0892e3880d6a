/**
 * Waiting for a queued run to settle: `enqueue --wait`, `retry --wait` and the
 * HTTP API's `?wait=true` all wait here, with one definition of "settled".
 *
 * The run row is the truth (a job that failed one attempt is retried, so a
 * BullMQ `failed` event does not mean the run is over). The row is polled with
 * a growing pause; QueueEvents, when the caller has them, only cut a pause
 * short and report progress, so a missed event (Redis reconnecting) delays the
 * answer instead of hanging it.
 */
import type { QueueEvents } from 'bullmq';
import type { RunStatus as ImportRunStatus } from '../core/runLifecycle.js';
import type { ImportReport } from './importService.js';
import type { RunProgress } from './jobContracts.js';
import type { Repositories } from './ports.js';
import { loadStoredReport } from './runReport.js';

/**
 * Settled: nothing more happens to the run without a person. Finished runs,
 * and syncs held for approval (`approve` is a new decision, not more waiting).
 * A record over every status, so a new status cannot be left out by accident.
 */
const SETTLED: Readonly<Record<ImportRunStatus, boolean>> = {
  queued: false,
  running: false,
  completed: true,
  completed_with_errors: true,
  failed: true,
  needs_approval: true,
  cancelled: true,
  skipped: true,
};

export function isSettled(status: ImportRunStatus): boolean {
  return SETTLED[status];
}

export const SETTLED_RUN_STATUSES: readonly ImportRunStatus[] = (Object.keys(SETTLED) as ImportRunStatus[]).filter(isSettled);

const FIRST_PAUSE_MS = 100;

export interface WaitOptions {
  /** The queue's events: a finished job ends the current pause at once, and progress is reported. */
  events?: QueueEvents;
  onProgress?: (p: RunProgress) => void;
  /** The longest pause between two looks at the run row (default: 5 s with events, 1 s without). */
  maxPollMs?: number;
  /** Give up after this long (default: never). */
  timeoutMs?: number;
  /** Give up when this aborts (an HTTP client that went away). */
  signal?: AbortSignal;
}

type Unbounded = WaitOptions & { timeoutMs?: undefined; signal?: undefined };

/** The run's report once it settles; undefined when the time ran out or the signal aborted first. */
export function waitForRun(repos: Pick<Repositories, 'runs'>, runId: string, opts?: Unbounded): Promise<ImportReport>;
export function waitForRun(repos: Pick<Repositories, 'runs'>, runId: string, opts: WaitOptions): Promise<ImportReport | undefined>;
export async function waitForRun(repos: Pick<Repositories, 'runs'>, runId: string, opts: WaitOptions = {}): Promise<ImportReport | undefined> {
  const { runs } = repos;
  const deadline = opts.timeoutMs === undefined ? Infinity : Date.now() + opts.timeoutMs;
  const maxPause = opts.maxPollMs ?? (opts.events ? 5_000 : 1_000);
  // An event that arrives while the row is being read must not be lost: it is remembered, and the next pause skipped.
  let nudged = false;
  let wake: (() => void) | undefined;
  const nudge = () => {
    nudged = true;
    wake?.();
  };
  const listeners: [string, (args: { jobId: string; data?: unknown }) => void][] = [];
  const on = (event: 'completed' | 'failed' | 'progress', fn: (args: { jobId: string; data?: unknown }) => void) => {
    listeners.push([event, fn]);
    opts.events?.on(event, fn as never);
  };
  on('completed', ({ jobId }) => jobId === runId && nudge());
  on('failed', ({ jobId }) => jobId === runId && nudge());
  on('progress', ({ jobId, data }) => {
    if (jobId === runId && data && typeof data === 'object') opts.onProgress?.(data as RunProgress);
  });
  opts.signal?.addEventListener('abort', nudge);
  try {
    // Listening first, then looking: a run that settles in between is not missed.
    for (let pause = FIRST_PAUSE_MS; ; pause = Math.min(pause * 2, maxPause)) {
      const run = await runs.getRun(runId);
      if (run && isSettled(run.status)) return await loadStoredReport(repos, runId);
      const left = deadline - Date.now();
      if (left <= 0 || opts.signal?.aborted) return undefined;
      if (nudged) {
        nudged = false;
        continue;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(pause, left));
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
      nudged = false;
    }
  } finally {
    opts.signal?.removeEventListener('abort', nudge);
    for (const [event, fn] of listeners) opts.events?.off(event as 'completed', fn as never);
  }
}
