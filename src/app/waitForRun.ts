/**
 * Waiting for a queued run to settle (`enqueue --wait`): QueueEvents say when
 * its job completes, fails or reports progress, and the run row says whether
 * the run is really done (a job that failed one attempt is retried and is not).
 * A slow poll of the run row backs the events up, so a missed event (Redis
 * reconnecting) delays the answer instead of hanging forever.
 */
import type { QueueEvents } from 'bullmq';
import type { Db, ImportRunStatus } from '../adapters/db/index.js';
import { importRunsRepo } from '../adapters/db/index.js';
import type { ImportReport } from './importService.js';
import type { RunProgress } from './jobContracts.js';
import { loadStoredReport } from './runReport.js';

const SETTLED: readonly ImportRunStatus[] = ['completed', 'completed_with_errors', 'failed', 'needs_approval'];
const POLL_MS = 5_000;

export async function waitForRun(
  db: Db,
  events: QueueEvents,
  runId: string,
  opts: { onProgress?: (p: RunProgress) => void; pollMs?: number } = {},
): Promise<ImportReport> {
  const runs = importRunsRepo(db);
  const listeners: [string, (args: { jobId: string; data?: unknown }) => void][] = [];
  let timer: NodeJS.Timeout | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      const check = () => {
        runs.getRun(runId).then((run) => {
          if (run && SETTLED.includes(run.status)) resolve();
        }, reject);
      };
      const on = (event: string, fn: (args: { jobId: string; data?: unknown }) => void) => {
        listeners.push([event, fn]);
        events.on(event as 'completed', fn as never);
      };
      on('completed', ({ jobId }) => jobId === runId && check());
      on('failed', ({ jobId }) => jobId === runId && check());
      on('progress', ({ jobId, data }) => {
        if (jobId === runId && data && typeof data === 'object') opts.onProgress?.(data as RunProgress);
      });
      timer = setInterval(check, opts.pollMs ?? POLL_MS);
      // Listening first, then looking: a run that settled in between is not missed.
      check();
    });
  } finally {
    clearInterval(timer);
    for (const [event, fn] of listeners) events.off(event as 'completed', fn as never);
  }
  return loadStoredReport(db, runId);
}
