/**
 * Progress of a queued run, published twice: to the job (job.updateProgress,
 * which QueueEvents listeners such as `enqueue --wait` see) and to the run row
 * (which anyone with database access sees, whatever worker runs it).
 *
 * Throttled (every phase change, otherwise at most once a second) and never
 * awaited by the import: progress is informational, so a slow or failing
 * write must not slow or fail the run. Writes go out one at a time, in order;
 * flush() waits for the last one before the job reports its result.
 */
import type { ImportProgress } from './importService.js';
import type { RunProgress } from './jobContracts.js';
import type { Repositories } from './ports.js';

const MIN_INTERVAL_MS = 1000;

export interface ProgressMirror {
  onProgress(p: ImportProgress): void;
  flush(): Promise<void>;
}

export function progressMirror(
  { runs }: Pick<Repositories, 'runs'>,
  runId: string,
  publish: (p: RunProgress) => Promise<void>,
  onError: (err: unknown) => void,
): ProgressMirror {
  let chain: Promise<void> = Promise.resolve();
  let lastPhase: string | undefined;
  let lastAt = 0;
  return {
    onProgress(p) {
      const now = Date.now();
      if (p.phase === lastPhase && now - lastAt < MIN_INTERVAL_MS) return;
      lastPhase = p.phase;
      lastAt = now;
      const progress: RunProgress = { phase: p.phase, rowsDone: p.rowsDone, ...(p.rowsTotal === undefined ? {} : { rowsTotal: p.rowsTotal }) };
      chain = chain.then(async () => {
        try {
          await Promise.all([publish(progress), runs.setProgress(runId, { ...progress })]);
        } catch (err) {
          onError(err);
        }
      });
    },
    flush: () => chain,
  };
}
