/**
 * A running worker: a BullMQ Worker dispatching jobs to their processors
 * through the registry, plus the periodic orphan sweep. The CLI's `orgsync
 * worker` adds configuration and signals; tests start workers in-process.
 */
import { hostname } from 'node:os';
import { type Job, type Queue, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { QueueConfig, SourcesConfig, WebhookConfig, WorkerConfig } from '../src/config.js';
import { webhooksStore } from '../src/adapters/webhooks/store.js';
import { startDeliveryDispatcher } from '../src/app/webhookDelivery.js';
import { DEFAULT_WEBHOOK_CONFIG } from '../src/webhookConfig.js';
import type { Db } from '../src/adapters/db/index.js';
import type { Logger } from '../src/adapters/log.js';
import { workerOptions } from '../src/adapters/queue/index.js';
import type { JobName } from '../src/app/jobContracts.js';
import type { Repositories } from '../src/app/ports.js';
import { sweepOrphans } from '../src/app/orphanSweep.js';
import { DEFAULT_RUN_LEASE_SECONDS, startRunOwner } from '../src/app/runOwner.js';
import { buildRegistry } from './index.js';
import { schedulePruneHistory } from './pruneHistory.js';
import type { AnyJobDefinition, JobDeps } from './types.js';

export interface WorkerSettings {
  queue: QueueConfig;
  worker: WorkerConfig;
  sources: SourcesConfig;
  lockTimeoutSeconds: number;
  /** ORGSYNC_RUN_LEASE_SECONDS: the runs this worker runs are leased to it for this long, renewed while it lives. */
  runLeaseSeconds?: number;
  /** ORGSYNC_MAX_ROWS_PER_RUN: the most rows one run may read (unset: DEFAULT_MAX_ROWS_PER_RUN). */
  maxRowsPerRun?: number;
  /** Webhook delivery (unset: the defaults). */
  webhooks?: WebhookConfig;
  /** ORGSYNC_HISTORY_RETENTION_DAYS (unset: 400). */
  historyRetentionDays?: number;
}

export interface WorkerRuntimeDeps {
  db: Db;
  /** The repositories built from `db` (adapters/db/repositories.ts): the jobs' use cases get them. */
  repos: Repositories;
  /** A 'worker' role connection: BullMQ shares it and duplicates it for its blocking reads. */
  redis: Redis;
  queue: Queue;
  log: Logger;
  settings: WorkerSettings;
  /** Defaults to every job in jobs/; tests pass their own to prove the start-up check. */
  registry?: ReadonlyMap<JobName, AnyJobDefinition>;
}

export interface RunningWorker {
  worker: Worker;
  /** One orphan sweep now (also runs at start-up and every requeueIntervalSeconds). */
  sweep(): Promise<void>;
  /**
   * Stops taking jobs and waits up to `graceMs` for the running ones. False
   * when some were still running: they are abandoned, and BullMQ's stalled
   * recovery hands them to another worker once their lock expires.
   */
  stop(graceMs: number): Promise<boolean>;
}

export async function startWorker(deps: WorkerRuntimeDeps, opts: { concurrency: number }): Promise<RunningWorker> {
  const registry = deps.registry ?? buildRegistry();
  const { settings, log } = deps;
  const owner = startRunOwner(deps.repos, {
    leaseSeconds: settings.runLeaseSeconds ?? DEFAULT_RUN_LEASE_SECONDS,
    onError: (err) => log.warn({ err }, 'run leases not renewed'),
  });
  const webhookSettings = settings.webhooks ?? DEFAULT_WEBHOOK_CONFIG;
  const jobDeps: JobDeps = {
    repos: deps.repos,
    db: deps.db,
    queue: deps.queue,
    log,
    lockTimeoutSeconds: settings.lockTimeoutSeconds,
    sources: settings.sources,
    runOwner: owner.owner,
    ...(settings.maxRowsPerRun === undefined ? {} : { maxRowsPerRun: settings.maxRowsPerRun }),
    webhooks: webhookSettings,
    ...(settings.historyRetentionDays === undefined ? {} : { historyRetentionDays: settings.historyRetentionDays }),
  };

  const dispatch = async (job: Job): Promise<unknown> => {
    const definition = registry.get(job.name as JobName);
    if (!definition) throw new UnrecoverableError(`no processor for job "${job.name}"`);
    const payload = definition.payload.safeParse(job.data);
    if (!payload.success) throw new UnrecoverableError(`job "${job.name}" has an invalid payload: ${payload.error.message}`);
    return definition.process(job, jobDeps);
  };

  const worker = new Worker(settings.queue.name, dispatch, {
    ...workerOptions(deps.redis, settings.queue, opts.concurrency),
    name: `${hostname()}:${process.pid}`,
  });
  worker.on('error', (err) => log.error({ err }, 'worker error'));
  worker.on('stalled', (jobId) => log.warn({ jobId }, 'job stalled (its worker died or hung): it runs again'));

  const sweep = async () => {
    try {
      const r = await sweepOrphans(deps, { minAgeMs: settings.worker.requeueMinAgeSeconds * 1000 });
      if (r.requeued.length + r.failed.length + r.inconsistent.length + r.abandoned.length > 0) log.warn(r, 'orphan sweep');
    } catch (err) {
      log.error({ err }, 'orphan sweep failed');
    }
  };
  await sweep();
  // Once a day, however many workers run (a scheduler is one per id). Best effort: history is pruned at the next start if Redis refuses now.
  await schedulePruneHistory(deps.queue).catch((err: unknown) => log.warn({ err }, 'history pruning not scheduled'));
  const timer = setInterval(() => void sweep(), settings.worker.requeueIntervalSeconds * 1000);
  timer.unref();
  // Recorded webhook deliveries onto the queue (app/webhookDelivery.ts).
  const dispatcher = startDeliveryDispatcher(webhooksStore(deps.db), deps.queue, webhookSettings, (err) => log.warn({ err }, 'webhook deliveries not queued; next round retries'));

  void worker.run().catch((err: unknown) => log.error({ err }, 'worker stopped on an error'));
  await worker.waitUntilReady();
  log.info({ queue: settings.queue.name, prefix: settings.queue.prefix, concurrency: opts.concurrency }, 'worker started');

  return {
    worker,
    sweep,
    async stop(graceMs) {
      clearInterval(timer);
      dispatcher.stop();
      owner.stop();
      let timeout: NodeJS.Timeout | undefined;
      const finished = await Promise.race([
        worker.close().then(() => true),
        new Promise<boolean>((resolve) => {
          timeout = setTimeout(() => resolve(false), graceMs);
        }),
      ]);
      clearTimeout(timeout);
      return finished;
    },
  };
}
