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
import { importRunsRepo } from '../src/adapters/db/index.js';
import { describeSource, InvalidSourceError, openSource, parseSourceSpec, SourceUnavailableError } from '../src/adapters/sources/index.js';
import { parseImportOptions } from '../src/core/importOptions.js';
import { JOB_NAMES, type SyncSourcePayload, SyncSourcePayloadSchema, type SyncSourceResult } from '../src/app/jobContracts.js';
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
  if (!options.ok) throw new UnrecoverableError(`schedule ${schedule} has invalid import options: ${options.message}`);
  try {
    const spec = parseSourceSpec(job.data.source);
    const source = await openSource(spec, deps.sources);
    const result = await submitImport(
      { db: deps.db, queue: deps.queue },
      {
        organizationCode,
        source,
        options: options.value,
        skipIf: (sha256, trx) => importRunsRepo(deps.db).syncSkipReason(organizationCode, sha256, trx),
      },
    );
    if (result.kind === 'skipped') {
      log.info({ source: describeSource(spec), reason: result.reason }, 'sync skipped');
      return { skipped: true, reason: result.reason };
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
    if (err instanceof SourceUnavailableError || err instanceof InvalidSourceError) {
      // Missing file, 404, a redirect: a person has to act; the next scheduled run tries again.
      log.warn({ err: err.message }, 'sync source unavailable');
      throw new UnrecoverableError(err.message);
    }
    if (isTransient(err)) log.warn({ err: (err as Error).message, attempt: job.attemptsMade + 1 }, 'sync attempt failed; it will be retried');
    else log.error({ err }, 'sync failed');
    throw err;
  }
}

export const syncSource: JobDefinition<Payload, Result> = { name, payload: SyncSourcePayloadSchema, process: processor };
