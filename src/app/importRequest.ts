/**
 * What a face (CLI, queue worker, HTTP through the queue) hands runImport.
 */
import type { ImportOptions } from '../core/importOptions.js';
import type { RunOwner } from '../core/runLifecycle.js';

export interface ImportSource {
  /** File name or URL, for format detection and the run history. */
  name: string;
  bytes: AsyncIterable<Uint8Array>;
  /**
   * The bytes arrive over the network as they are read (an HTTP source): the
   * import reads them all before it takes its organization's lock, so a slow
   * server never holds the organization's API writes (importService.ts).
   */
  remote?: boolean;
}

export interface ImportProgress {
  phase: 'reading' | 'planning' | 'writing' | 'done';
  rowsDone: number;
  rowsTotal?: number;
}

/**
 * What a sync that would deactivate more than --max-deactivate allows does:
 * - 'fail': nothing is written, the run fails (the in-process CLI);
 * - 'hold': nothing is written, the plan is stored and the run waits as
 *   needs_approval (queued runs: nobody is there to say yes);
 * - 'approve': the run is a needs_approval one being approved: its held plan
 *   is applied if the departments are unchanged since it was made, otherwise
 *   the run is planned again and held again.
 * Dry runs always 'fail': there is nothing to approve.
 */
export type ThresholdPolicy = 'fail' | 'hold' | 'approve';

export interface ImportRequest {
  organizationCode?: string;
  source: ImportSource;
  options: ImportOptions;
  /** A run created beforehand (queued imports); otherwise one is created. */
  runId?: string;
  onProgress?: (p: ImportProgress) => void;
  lockTimeoutSeconds?: number;
  overThreshold?: ThresholdPolicy;
  /** Mark the run failed (INTERNAL_ERROR) when the import throws something other than a FileError. */
  failRunOnError?: boolean;
  /** Told the id of the run this request created (so an in-process retry can run it again). */
  onRunCreated?: (runId: string) => void;
  /**
   * The configured ceiling of rows per run (ORGSYNC_MAX_ROWS_PER_RUN); unset:
   * DEFAULT_MAX_ROWS_PER_RUN, so no caller can run without a bound.
   */
  maxRowsPerRun?: number;
  /** Who runs it (the CLI process, a worker): the run is leased to it, and failed RUN_ABANDONED if the lease runs out. */
  owner?: RunOwner;
  /** Who the department history records (`cli:<os user>`, `schedule:<name>`, a token id); unset: `unknown`. */
  actor?: string;
}
