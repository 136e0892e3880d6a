/**
 * The HTTP API for `npm run load`, in-process and listening on 127.0.0.1 (a
 * real socket, real fetch): what `orgsync serve` builds, on its own database
 * pool and Redis connection, as a separate server process would have.
 */
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/adapters/http/app.js';
import { appDeps } from '../../src/adapters/http/deps.js';
import { openDatabase } from '../../src/adapters/db/index.js';
import { openRedis } from '../../src/adapters/queue/index.js';
import type { Config } from '../../src/config.js';
import { databaseUrl, REDIS_URL } from './scriptEnv.js';

export interface LoadServer {
  base: string;
  app: FastifyInstance;
  close(): Promise<void>;
}

export async function startLoadServer(database: string, config: Config): Promise<LoadServer> {
  const db = await openDatabase({ url: databaseUrl(database), sqlitePath: '', lockTimeoutSeconds: config.database.lockTimeoutSeconds });
  const redis = await openRedis(REDIS_URL, 'client');
  // Warnings and errors (a 500's cause) on stderr, apart from the figures.
  const deps = appDeps(config, { db, redis, logger: { level: 'warn', stream: process.stderr } });
  const { queue } = deps;
  const app = await buildApp(deps);
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    base: address,
    app,
    async close() {
      await app.close();
      await queue.close();
      redis.disconnect();
      await db.close();
    },
  };
}
