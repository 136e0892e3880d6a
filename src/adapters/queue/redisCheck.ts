/**
 * Start-up checks of the Redis server BullMQ runs on. Problems are warnings,
 * not refusals: a managed Redis may hide its configuration, and the operator
 * decides. They are printed loudly because each one can lose jobs silently.
 */
import type { Redis } from 'ioredis';

/** `INFO` text → { field: value }. INFO works where CONFIG GET is disabled (most managed Redis). */
function parseInfo(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) fields.set(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  return fields;
}

/** appendonly and save, or undefined where CONFIG is disabled (managed Redis): then we cannot tell. */
async function persistenceSettings(redis: Redis): Promise<{ appendonly: string; save: string } | undefined> {
  try {
    const [, appendonly] = (await redis.config('GET', 'appendonly')) as string[];
    const [, save] = (await redis.config('GET', 'save')) as string[];
    return { appendonly: appendonly ?? '', save: save ?? '' };
  } catch {
    return undefined;
  }
}

export async function redisWarnings(redis: Redis): Promise<string[]> {
  const warnings: string[] = [];
  const memory = parseInfo(await redis.info('memory'));
  const policy = memory.get('maxmemory_policy');
  if (policy !== undefined && policy !== 'noeviction') {
    warnings.push(
      `Redis maxmemory-policy is "${policy}": when memory runs out Redis may evict job keys, silently losing queued jobs ` +
        `(orgsync re-enqueues runs left queued, but schedules and job state can be lost). Set maxmemory-policy noeviction.`,
    );
  }
  const persistence = await persistenceSettings(redis);
  if (persistence && persistence.appendonly !== 'yes' && persistence.save.trim() === '') {
    warnings.push('Redis persistence is off (appendonly no, no RDB save points): a Redis restart loses schedules and waiting jobs. Set appendonly yes.');
  }
  return warnings;
}
