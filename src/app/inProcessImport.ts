/**
 * An import run in this process (`orgsync import`): the run is leased to the
 * process for as long as it runs, and before it starts, runs that an earlier
 * process left `running` when it died (its lease expired) are failed
 * RUN_ABANDONED. So even with no worker anywhere, no run stays `running`
 * without a live owner for longer than the lease.
 */
import type { ImportPorts, ImportReport, ImportRequest, ImportSource } from './importService.js';
import { type RetryPolicy, runImportWithRetries } from './importRetry.js';
import { sweepAbandonedRuns } from './orphanSweep.js';
import { startRunOwner } from './runOwner.js';

export async function importInProcess(
  repos: ImportPorts,
  req: Omit<ImportRequest, 'owner' | 'source' | 'runId' | 'failRunOnError' | 'onRunCreated'>,
  // Opened again for each attempt: a transient fault (a killed connection) is retried as a worker would (importRetry.ts).
  openSource: () => Promise<ImportSource>,
  opts: { leaseSeconds: number; retry: RetryPolicy },
): Promise<ImportReport> {
  // Best effort: a busy database must not stop the import the user asked for.
  await sweepAbandonedRuns(repos).catch(() => undefined);
  const holder = startRunOwner(repos, { leaseSeconds: opts.leaseSeconds });
  try {
    return await runImportWithRetries(repos, { ...req, owner: holder.owner }, openSource, opts.retry);
  } finally {
    holder.stop();
  }
}
