/** The queue adapter's public API: Redis connections and the BullMQ queue. */
export { isTransientRedisError, openRedis, QueueUnavailableError, type RedisRole } from './redis.js';
export { redisWarnings } from './redisCheck.js';
export { jobOptions, type JobPresence, jobPresence, openQueue, openQueueEvents, workerOptions } from './queue.js';
