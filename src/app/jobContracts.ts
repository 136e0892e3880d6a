/**
 * The contract between who adds jobs (the CLI, the HTTP API, schedules, the
 * orphan sweep) and the processors in jobs/: names and payloads. Payloads are
 * validated when a worker takes a job, since Redis may hold jobs written by
 * an older or newer orgsync.
 *
 * A run's job carries only the run id: everything else (organization,
 * options, the staged input) is in the run row, so the sweep can rebuild a
 * lost job from MySQL alone, and job ids equal run ids (adding the same run
 * twice adds one job).
 */
import { z } from 'zod';
import type { ImportCounts } from '../core/model.js';
import type { RunStatus } from './importService.js';

export const JOB_NAMES = {
  importDepartments: 'import-departments',
  syncSource: 'sync-source',
  retryFailedRows: 'retry-failed-rows',
} as const;

export type JobName = (typeof JOB_NAMES)[keyof typeof JOB_NAMES];
/** Jobs that process one run (job id = run id). */
export type RunJobName = Exclude<JobName, 'sync-source'>;

export const ALL_JOB_NAMES: readonly JobName[] = Object.values(JOB_NAMES);

export function isRunJobName(name: string): name is RunJobName {
  return name === JOB_NAMES.importDepartments || name === JOB_NAMES.retryFailedRows;
}

export const RunJobPayloadSchema = z.object({ runId: z.string().regex(/^run_[0-9A-Za-z]+$/) });
export type RunJobPayload = z.infer<typeof RunJobPayloadSchema>;

export interface RunJobResult {
  runId: string;
  status: RunStatus;
  counts: ImportCounts;
}

export const SyncSourcePayloadSchema = z.object({
  schedule: z.string().min(1),
  organizationCode: z.string().min(1),
  /** A file path, a directory glob or an http(s) URL (see adapters/sources/spec.ts). */
  source: z.string().min(1),
  /** ImportOptionsInput: validated again by the processor. */
  options: z.record(z.string(), z.unknown()),
});
export type SyncSourcePayload = z.infer<typeof SyncSourcePayloadSchema>;

export type SyncSourceResult = { skipped: true; reason: string } | { skipped: false; runId: string; duplicate: boolean };

/** Job progress, as job.updateProgress reports it and the run row mirrors it. */
export interface RunProgress {
  phase: 'reading' | 'planning' | 'writing' | 'done';
  rowsDone: number;
  rowsTotal?: number;
}
