/**
 * A scheduled sync that never became an import still leaves a run in the
 * history: `failed` with the source's code when the source could not be read
 * (missing, unreachable, refused, malformed), `skipped` when it was exactly
 * what the organization already has. So `orgsync runs` and `GET .../imports`
 * show every firing, not only the ones that got as far as the queue.
 *
 * The run is created queued and moved to its final status in one transaction
 * (the lifecycle allows queued -> failed and queued -> skipped), so nobody
 * ever sees it waiting.
 */
import type { ImportOptions } from '../core/importOptions.js';
import { newRunId } from '../ids.js';
import type { Repositories } from './ports.js';
import { announceRunEnded } from './runAnnouncements.js';

export interface StoppedSync {
  organizationCode: string;
  /** Safe to print (describeSource): URL credentials masked. */
  sourceName: string;
  options: ImportOptions;
  status: 'failed' | 'skipped';
  code: string;
  message: string;
}

export async function recordStoppedSync(repos: Pick<Repositories, 'runs' | 'transactions' | 'webhooks'>, stop: StoppedSync): Promise<string> {
  const runId = newRunId();
  await repos.transactions.transaction(async (trx) => {
    await repos.runs.createRun(
      { id: runId, organizationCode: stop.organizationCode, sourceName: stop.sourceName, mode: stop.options.mode, options: stop.options, dryRun: stop.options.dryRun, status: 'queued' },
      trx,
    );
    const reason = { code: stop.code, message: stop.message };
    if (stop.status === 'skipped') await repos.runs.skipRun(runId, reason, trx);
    else await repos.runs.failRun(runId, reason, trx);
  });
  // A failed sync is worth a `run.failed` webhook; a skipped one announces nothing (eventOf).
  await announceRunEnded(repos, runId);
  return runId;
}
