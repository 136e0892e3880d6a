/**
 * `import-departments`: runs one queued import run (submitted by `orgsync
 * enqueue`, the HTTP API or a scheduled sync) from the bytes staged with it.
 */
import type { Job } from 'bullmq';
import { JOB_NAMES, type RunJobPayload, RunJobPayloadSchema, type RunJobResult } from '../src/app/jobContracts.js';
import { processRun } from './runJob.js';
import type { JobDefinition, JobDeps } from './types.js';

export const name = JOB_NAMES.importDepartments;
export type Payload = RunJobPayload;
export type Result = RunJobResult;

export function processor(job: Job<Payload>, deps: JobDeps): Promise<Result> {
  return processRun(job, deps);
}

export const importDepartments: JobDefinition<Payload, Result> = { name, payload: RunJobPayloadSchema, process: processor };
