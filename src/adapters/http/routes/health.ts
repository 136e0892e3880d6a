/**
 * /healthz (the process answers) and /readyz (its dependencies answer): for
 * load balancers and orchestrators, so no token and no rate limit.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppDeps } from '../deps.js';
import { documented } from '../schemas/common.js';

const CHECK_TIMEOUT_MS = 3_000;

const Health = documented('Health', z.strictObject({ status: z.literal('ok') }), [{ status: 'ok' }]);
const Ready = documented(
  'Ready',
  z.strictObject({
    status: z.enum(['ready', 'unavailable']),
    checks: z.record(z.string(), z.strictObject({ ok: z.boolean(), error: z.string().optional() })),
  }),
  [
    { status: 'ready', checks: { database: { ok: true }, redis: { ok: true } } },
    { status: 'unavailable', checks: { database: { ok: true }, redis: { ok: false, error: 'unreachable' } } },
  ],
);

function withTimeout(p: Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out')), CHECK_TIMEOUT_MS);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

export function healthRoutes(app: FastifyInstance, deps: AppDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/healthz',
    { config: { rateLimit: false }, schema: { tags: ['Health'], summary: 'Liveness', security: [], response: { 200: Health } } },
    async () => ({ status: 'ok' as const }),
  );
  r.get(
    '/readyz',
    {
      config: { rateLimit: false },
      schema: { tags: ['Health'], summary: 'Readiness: MySQL and Redis reachable', security: [], response: { 200: Ready, 503: Ready } },
    },
    async (request, reply) => {
      const results = await Promise.all(
        deps.readiness.map(async (c) => {
          try {
            await withTimeout(c.check());
            return [c.name, { ok: true }] as const;
          } catch (err) {
            // The reason goes to the log; the response only says which dependency failed.
            request.log.warn({ err, check: c.name }, 'readiness check failed');
            return [c.name, { ok: false, error: 'unreachable' }] as const;
          }
        }),
      );
      const ready = results.every(([, r]) => r.ok);
      return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'unavailable', checks: Object.fromEntries(results) });
    },
  );
}
