/**
 * `retry-failed-rows`: runs a retry run (only the rows that failed in an
 * earlier run, submitted by `orgsync retry`), then marks the rows that went
 * through as resolved in the original run's report.
 */
import type { Job } from 'bullmq';
import { JOB_NAMES, type RunJobPayload, RunJobPayloadSchema, type RunJobResult } from '../src/app/jobContracts.js';
import { markRetriedRows } from '../src/app/retryFailedRows.js';
import { processRun } from './runJob.js';
import type { JobDefinition, JobDeps } from './types.js';

export const name = JOB_NAMES.retryFailedRows;
export type Payload = RunJobPayload;
export type Result = RunJobResult & { resolvedRows: number };

export async function processor(job: Job<Payload>, deps: JobDeps): Promise<Result> {
  let resolvedRows = 0;
  // Also when the run had already finished (a re-delivered job): marking is idempotent.
  const result = await processRun(job, deps, async (report) => {
    resolvedRows = await markRetriedRows(deps.repos, report.runId);
  });
  return { ...result, resolvedRows };
}

export const retryFailedRows: JobDefinition<Payload, Result> = { name, payload: RunJobPayloadSchema, process: processor };
