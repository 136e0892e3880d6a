/**
 * Redis connections for BullMQ, from REDIS_URL (redis:// or rediss://, with
 * user, password and a database number: `redis://:pw@host:6379/2` uses db 2).
 *
 * BullMQ is given ready ioredis instances rather than options: under native
 * ESM it cannot load ioredis itself, and we want to choose how each role
 * behaves while Redis is away:
 * - 'worker': commands wait through reconnects (maxRetriesPerRequest null, as
 *   BullMQ requires for blocking connections), so a Redis restart pauses the
 *   worker instead of failing its jobs;
 * - 'client': the CLI fails fast with a message a person can act on.
 */
import { Redis } from 'ioredis';
import { redactUrl } from '../../config.js';
import { OrgsyncError } from '../../core/errors.js';

export type RedisRole = 'worker' | 'client';

export class QueueUnavailableError extends OrgsyncError {
  override readonly name = 'QueueUnavailableError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('QUEUE_UNAVAILABLE', message, { ...options, transient: true });
  }
}

const CLIENT_CONNECT_TIMEOUT_MS = 5_000;

export async function openRedis(url: string, role: RedisRole): Promise<Redis> {
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: role === 'worker' ? null : 2,
    connectTimeout: CLIENT_CONNECT_TIMEOUT_MS,
    // A client gives up after a few quick reconnects; a worker keeps trying, capped at 5 s apart.
    retryStrategy: (times) => (role === 'client' && times > 3 ? null : Math.min(times * 200, 5_000)),
    connectionName: `orgsync-${role}`,
  });
  // Errors also surface on the commands that hit them; without a listener
  // ioredis would print every reconnect attempt as an unhandled error.
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    redis.disconnect();
    throw new QueueUnavailableError(`cannot reach Redis at ${redactUrl(url)}: ${(err as Error).message}`, { cause: err });
  }
  return redis;
}

/** ioredis reply errors worth retrying: the server is loading, failing over or briefly out of memory. */
const TRANSIENT_REPLIES = /^(LOADING|READONLY|CLUSTERDOWN|TRYAGAIN|MASTERDOWN|BUSY|OOM|NOREPLICAS)\b/;

/** True for Redis faults a later attempt may not hit: lost connections and transient server states. */
export function isTransientRedisError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err instanceof QueueUnavailableError || err.name === 'MaxRetriesPerRequestError') return true;
  if (err.message === 'Connection is closed.' || /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE/.test(err.message)) return true;
  return err.name === 'ReplyError' && TRANSIENT_REPLIES.test(err.message);
}
