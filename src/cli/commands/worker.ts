/**
 * `orgsync worker [--concurrency N]`: processes queued jobs until SIGTERM or
 * SIGINT, then stops taking jobs, lets running ones finish within
 * ORGSYNC_SHUTDOWN_GRACE_SECONDS, and exits 0. Only wiring and signals: the
 * worker itself is jobs/worker.ts.
 */
import type { Command } from 'commander';
import { startWorker } from '../../../jobs/worker.js';
import { redactUrl } from '../../config.js';
import { createLogger, logDestination } from '../../adapters/log.js';
import { openQueue, openRedis, redisWarnings } from '../../adapters/queue/index.js';
import { UsageError, withDatabase } from '../context.js';

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('process queued imports, scheduled syncs and retries until SIGTERM/SIGINT')
    .option('--concurrency <n>', 'jobs run at the same time (1-8; default ORGSYNC_WORKER_CONCURRENCY)')
    .action(async (flags: { concurrency?: string }) => {
      await withDatabase(async (db, config, repos) => {
        const concurrency = flags.concurrency === undefined ? config.worker.concurrency : Number(flags.concurrency);
        if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 8) throw new UsageError('--concurrency must be a whole number from 1 to 8');
        // Listening before anything starts: a SIGTERM during start-up also stops cleanly.
        const stopSignal = new Promise<NodeJS.Signals>((resolve) => {
          process.once('SIGTERM', resolve).once('SIGINT', resolve);
        });
        const log = createLogger(config.logLevel, await logDestination());
        const redis = await openRedis(config.redisUrl, 'worker');
        for (const warning of await redisWarnings(redis)) log.warn({ redis: redactUrl(config.redisUrl) }, warning);
        const queue = openQueue(redis, config.queue);
        const running = await startWorker(
          { db, repos, redis, queue, log, settings: { ...config, lockTimeoutSeconds: config.database.lockTimeoutSeconds, runLeaseSeconds: config.runs.leaseSeconds, maxRowsPerRun: config.runs.maxRows, historyRetentionDays: config.history.retentionDays } },
          { concurrency },
        );

        const signal = await stopSignal;
        log.info({ signal, graceSeconds: config.worker.shutdownGraceSeconds }, 'stopping: no new jobs, finishing running ones');
        // A second signal means "now": running jobs are abandoned (another worker re-runs them).
        const exitNow = () => {
          log.warn('second signal: exiting without waiting for running jobs');
          process.exit(0);
        };
        process.once('SIGTERM', exitNow).once('SIGINT', exitNow);
        const finished = await running.stop(config.worker.shutdownGraceSeconds * 1000);
        if (!finished) {
          log.warn('grace period over: exiting with jobs still running; another worker re-runs them once their lock expires');
          process.exit(0);
        }
        await queue.close();
        await redis.quit();
        log.info({ signal }, 'worker stopped');
      });
    });
}
