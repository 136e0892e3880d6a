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
  deliverWebhook: 'deliver-webhook',
  pruneHistory: 'prune-history',
} as const;

export type JobName = (typeof JOB_NAMES)[keyof typeof JOB_NAMES];
/** Jobs that process one run (job id = run id). */
export type RunJobName = Exclude<JobName, 'sync-source' | 'deliver-webhook' | 'prune-history'>;

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

/** deliver-webhook: one recorded delivery (its id is the job id). */
export const DeliverWebhookPayloadSchema = z.object({ deliveryId: z.string().regex(/^whd_[0-9A-Za-z]+$/) });
export type DeliverWebhookPayload = z.infer<typeof DeliverWebhookPayloadSchema>;

/** prune-history: no payload (the retention period is the worker's configuration); added once a day by the worker's job scheduler. */
export const PruneHistoryPayloadSchema = z.object({}).passthrough();
export type PruneHistoryPayload = z.infer<typeof PruneHistoryPayloadSchema>;
export const PRUNE_HISTORY_SCHEDULER_ID = 'orgsync:prune-history';

export type SyncSourceResult = { skipped: true; reason: string; runId?: string } | { skipped: false; runId: string; duplicate: boolean };

/** Job progress, as job.updateProgress reports it and the run row mirrors it. */
export interface RunProgress {
  phase: 'reading' | 'planning' | 'writing' | 'done';
  rowsDone: number;
  rowsTotal?: number;
}
