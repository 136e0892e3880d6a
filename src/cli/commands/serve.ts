/**
 * `orgsync serve [--port N]`: the HTTP API and the queue dashboard.
 *
 * Graceful shutdown: on SIGTERM or SIGINT the server stops accepting
 * connections, lets requests in flight finish (new ones on kept-alive
 * connections get 503), then closes the queue, Redis and the database. A
 * second signal exits at once.
 */
import type { Command } from 'commander';
import { Redis } from 'ioredis';
import { buildApp } from '../../adapters/http/app.js';
import { appDeps } from '../../adapters/http/deps.js';
import { authingKeysProblem } from '../../app/authingKeys.js';
import { ConfigError, redactUrl } from '../../config.js';
import { logDestination } from '../../adapters/log.js';
import { UsageError, withDatabase } from '../context.js';

/**
 * The server's Redis connection: it keeps reconnecting for as long as Redis is
 * away (the server outlives Redis restarts, and /readyz says so meanwhile),
 * but a command fails after a couple of tries instead of hanging a request:
 * an upload whose job cannot be added is still staged, and a worker's sweep
 * enqueues it later.
 */
function openServerRedis(url: string): Redis {
  const redis = new Redis(url, {
    maxRetriesPerRequest: 2,
    connectTimeout: 5_000,
    retryStrategy: (times) => Math.min(times * 200, 5_000),
    connectionName: 'orgsync-server',
  });
  redis.on('error', () => undefined); // surfaced by the commands that hit it, and by /readyz
  return redis;
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the HTTP API (/v1), its reference (/docs) and the queue dashboard (/admin/queues)')
    .option('--port <n>', 'port to listen on (default: env PORT, else 3000)')
    .action(async (flags: { port?: string }) => {
      const port = flags.port === undefined ? undefined : Number(flags.port);
      if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) throw new UsageError('--port must be a whole number from 0 to 65535');
      await withDatabase(async (db, config, repos) => {
        // Checked before anything listens: an access key the server could not use is a start-up error.
        const keyProblem = await authingKeysProblem(repos, config.http.secretKey);
        if (keyProblem) throw new ConfigError(keyProblem);
        const redis = openServerRedis(config.redisUrl);
        const stream = await logDestination();
        const deps = appDeps(config, { db, redis, logger: { level: config.logLevel, ...(stream ? { stream } : {}) } });
        const { queue } = deps;
        const app = await buildApp(deps);
        let stopping = false;
        const stopped = new Promise<void>((resolve) => {
          const stop = (signal: NodeJS.Signals) => {
            if (stopping) {
              app.log.warn({ signal }, 'second signal: exiting now');
              process.exit(1);
            }
            stopping = true;
            app.log.info({ signal }, 'shutting down: finishing requests in flight');
            void app
              .close()
              .catch((err: unknown) => app.log.error({ err }, 'error while closing the server'))
              .finally(resolve);
          };
          process.once('SIGTERM', stop);
          process.once('SIGINT', stop);
        });
        await app.listen({ port: port ?? config.http.port, host: config.http.host });
        app.log.info({ redis: redactUrl(config.redisUrl), database: db.dialect }, 'orgsync server ready');
        await stopped;
        await queue.close().catch(() => undefined);
        redis.disconnect();
        app.log.info('server stopped');
      });
    });
}
