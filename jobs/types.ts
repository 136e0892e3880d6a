/**
 * What every job file exports, and what processors get to work with. A
 * processor calls the app layer (runImport through executeQueuedRun,
 * submitImport, ...) and never re-implements any of the pipeline.
 */
import type { Job, Queue } from 'bullmq';
import type { z } from 'zod';
import type { SourcesConfig, WebhookConfig } from '../src/config.js';
import type { Db } from '../src/adapters/db/index.js';
import type { Logger } from '../src/adapters/log.js';
import type { JobName } from '../src/app/jobContracts.js';
import type { Repositories } from '../src/app/ports.js';
import type { RunOwner } from '../src/core/runLifecycle.js';

export interface JobDeps {
  /** What the use cases read and write (built once by the worker's wiring). */
  repos: Repositories;
  db: Db;
  /** For jobs that submit other jobs (sync-source). */
  queue: Queue;
  log: Logger;
  /** How long a run waits for another run of its organization before the attempt fails and is retried. */
  lockTimeoutSeconds: number;
  sources: SourcesConfig;
  /** The worker as the owner of the runs it runs (their lease is renewed while it is alive). */
  runOwner?: RunOwner;
  /** The most rows one run may read (unset: DEFAULT_MAX_ROWS_PER_RUN). */
  maxRowsPerRun?: number;
  /** Webhook delivery settings (unset: the defaults). */
  webhooks?: WebhookConfig;
  /** ORGSYNC_HISTORY_RETENTION_DAYS (unset: DEFAULT_HISTORY_RETENTION_DAYS). */
  historyRetentionDays?: number;
}

export type Processor<Payload, Result> = (job: Job<Payload>, deps: JobDeps) => Promise<Result>;

export interface JobDefinition<Payload, Result> {
  name: JobName;
  /** Validates job.data before the processor sees it. */
  payload: z.ZodType<Payload>;
  process: Processor<Payload, Result>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a registry holds definitions of every payload type
export type AnyJobDefinition = JobDefinition<any, any>;
