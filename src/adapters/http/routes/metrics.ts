/**
 * GET /metrics: Prometheus text format, for an admin token only
 * (`Authorization: Bearer <admin token>`, which Prometheus sends with
 * `authorization: { credentials: ... }` in its scrape config). The metrics
 * name organizations, so an organization's token may not read them.
 */
import type { FastifyInstance } from 'fastify';
import { metricsRegistry } from '../../metrics/registry.js';
import { type BearerGate, requireAdmin, requireBearerToken } from '../auth.js';
import type { AppDeps } from '../deps.js';

export async function registerMetrics(app: FastifyInstance, deps: AppDeps, gate: BearerGate): Promise<void> {
  const registry = metricsRegistry(deps.db, deps.queue);
  await app.register(async (scope) => {
    requireBearerToken(scope, gate);
    scope.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
      requireAdmin(request);
      const text = await registry.metrics();
      return reply.type(registry.contentType).header('cache-control', 'no-store').send(text);
    });
  });
}
