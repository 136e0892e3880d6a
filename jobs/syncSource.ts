/**
 * `sync-source`: what a schedule fires. Fetches the configured source and
 * submits it as an import run, unless its content is exactly what the
 * organization's last successful run imported (or what a run waiting for
 * approval holds): then it stops there, quickly, and says why.
 *
 * The import itself runs as its own import-departments job, with that job's
 * crash safety; this job only fetches and stages, so re-running it (a retry,
 * a crash) at worst finds the identical submission and returns its run.
 */
import { type Job, UnrecoverableError } from 'bullmq';
import { describeSource, InvalidSourceError, openSource, parseSourceSpec, SourceUnavailableError } from '../src/adapters/sources/index.js';
import { isOrgsyncError } from '../src/core/errors.js';
import { type ImportOptions, parseImportOptions } from '../src/core/importOptions.js';
import { JOB_NAMES, type SyncSourcePayload, SyncSourcePayloadSchema, type SyncSourceResult } from '../src/app/jobContracts.js';
import { recordStoppedSync } from '../src/app/stoppedSyncRun.js';
import { submitImport } from '../src/app/submitImport.js';
import { isTransient } from './runJob.js';
import type { JobDefinition, JobDeps } from './types.js';

export const name = JOB_NAMES.syncSource;
export type Payload = SyncSourcePayload;
export type Result = SyncSourceResult;

export async function processor(job: Job<Payload>, deps: JobDeps): Promise<Result> {
  const { schedule, organizationCode } = job.data;
  const log = deps.log.child({ job: job.name, jobId: job.id, schedule, organization: organizationCode });
  const options = parseImportOptions(job.data.options);
  if (!options.ok) {
    // Saved by an older version, say: the firing still leaves a failed run (with the default sync options).
    const fallback = parseImportOptions({ mode: 'sync' });
    const message = `schedule ${schedule} has invalid import options: ${options.message}`;
    const runId = fallback.ok
      ? await recordStoppedSync(deps.repos, { organizationCode, sourceName: `schedule ${schedule}`, options: fallback.value, status: 'failed', code: 'INVALID_RUN_OPTIONS', message }).catch(() => undefined)
      : undefined;
    throw new UnrecoverableError(runId ? `run ${runId}: INVALID_RUN_OPTIONS: ${message}` : message);
  }
  let sourceName = '<invalid source>';
  // Once submitImport has answered, the run (queued, rejected or skipped) is recorded: never record a second one.
  let answered = false;
  // Every firing leaves a run: a sync that stops here records a failed or skipped one (stoppedSyncRun.ts).
  const stopped = (status: 'failed' | 'skipped', code: string, message: string) =>
    recordStoppedSync(deps.repos, { organizationCode, sourceName, options: options.value as ImportOptions, status, code, message });
  try {
    const spec = parseSourceSpec(job.data.source);
    sourceName = describeSource(spec);
    const source = await openSource(spec, deps.sources);
    const result = await submitImport(
      { repos: deps.repos, queue: deps.queue },
      {
        organizationCode,
        source,
        options: options.value,
        skipIf: (sha256, trx) => deps.repos.runs.syncSkipReason(organizationCode, sha256, trx),
        // The department history's actor for the run's changes (and its submitter: never a token, so any approver may approve it).
        submittedBy: `schedule:${job.data.schedule}`,
      },
    );
    answered = true;
    if (result.kind === 'skipped') {
      const runId = await stopped('skipped', 'SOURCE_UNCHANGED', result.reason);
      log.info({ source: describeSource(spec), reason: result.reason, runId }, 'sync skipped');
      return { skipped: true, reason: result.reason, runId };
    }
    if (result.kind === 'rejected') {
      // FILE_TOO_LARGE (a gzip bomb, say): the run is recorded failed; retrying fetches the same answer.
      log.warn({ source: describeSource(spec), runId: result.runId, code: result.code }, 'sync source refused');
      throw new UnrecoverableError(`run ${result.runId}: ${result.code}: ${result.message}`);
    }
    log.info({ source: describeSource(spec), runId: result.runId, duplicate: result.duplicate }, 'sync submitted');
    if (!result.enqueued) throw new Error(`run ${result.runId} is stored but could not be queued: ${result.enqueueError ?? ''}`);
    return { skipped: false, runId: result.runId, duplicate: result.duplicate };
  } catch (err) {
    if (answered) throw err;
    if (err instanceof SourceUnavailableError || err instanceof InvalidSourceError) {
      // Missing file, 404, a redirect: a person has to act; the next scheduled run tries again.
      const runId = await stopped('failed', err.code, err.message);
      log.warn({ err: err.message, runId }, 'sync source unavailable');
      throw new UnrecoverableError(`run ${runId}: ${err.code}: ${err.message}`);
    }
    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    if (isTransient(err) && !lastAttempt) {
      log.warn({ err: (err as Error).message, attempt: job.attemptsMade + 1 }, 'sync attempt failed; it will be retried');
      throw err;
    }
    // The worker gives up on this firing: the history says so (best effort: the database may be what failed).
    const code = isOrgsyncError(err) ? err.code : 'INTERNAL_ERROR';
    const runId = await stopped('failed', code, (err as Error).message).catch(() => undefined);
    log.error({ err, runId }, 'sync failed');
    throw err;
  }
}

export const syncSource: JobDefinition<Payload, Result> = { name, payload: SyncSourcePayloadSchema, process: processor };
