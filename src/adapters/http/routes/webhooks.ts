/**
 * /v1/organizations/{org}/webhooks: an organization's webhooks and their
 * delivery log, through the same use cases as `orgsync webhook`.
 *
 * Auth is what exists today: an organization's token manages that
 * organization's webhooks, an admin token any organization's. The signing
 * secret is returned once, in the answer to the POST that generated it, and
 * never again; the receiver's URL passes the http source's SSRF guard.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { addWebhook, findWebhook, removeWebhook, WEBHOOK_EVENTS, type WebhookRecord } from '../../../app/webhooks.js';
import { webhooksStore } from '../../webhooks/store.js';
import { organizationFor } from '../auth.js';
import type { AppDeps } from '../deps.js';
import { commonErrors, OrgParams } from '../schemas/common.js';

const TAGS = ['Webhooks'];
const Event = z.enum(WEBHOOK_EVENTS);

const Webhook = z.strictObject({
  id: z.string(),
  organization: z.string(),
  url: z.string(),
  events: z.array(Event),
  created_at: z.string(),
});
const CreatedWebhook = Webhook.extend({ secret: z.string().optional().describe('The generated signing secret: shown only in this answer.') });
const WebhookParams = OrgParams.extend({ id: z.string().min(1).max(64) });
const PostWebhookBody = z.strictObject({
  url: z.string().min(1).max(2048),
  events: z.array(Event).min(1).default([...WEBHOOK_EVENTS]),
  secret: z.string().min(16).max(255).optional().describe('Your own signing secret; leave it out to have one generated (returned once).'),
});
const Attempt = z.strictObject({
  attempt: z.int(),
  status_code: z.int().nullable(),
  duration_ms: z.int(),
  error: z.string().nullable(),
  at: z.string(),
  next_attempt_at: z.string().nullable(),
});
const Delivery = z.strictObject({
  id: z.string(),
  webhook_id: z.string(),
  run_id: z.string(),
  event: Event,
  status: z.enum(['pending', 'delivered', 'failed']),
  attempts: z.array(Attempt),
  created_at: z.string(),
  finished_at: z.string().nullable(),
});

export function webhookRoutes(app: FastifyInstance, deps: AppDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const store = deps.repos.webhooks ?? webhooksStore(deps.db);
  const present = (w: WebhookRecord, organization: string) => ({ id: w.id, organization, url: w.url, events: w.events, created_at: w.createdAt });

  r.get(
    '/organizations/:org/webhooks',
    { schema: { tags: TAGS, summary: 'List webhooks', params: OrgParams, response: { 200: z.strictObject({ data: z.array(Webhook) }), ...commonErrors } } },
    async (request) => {
      const org = await organizationFor(request, deps.repos, request.params.org);
      return { data: (await store.list(org.id)).map((w) => present(w, org.code)) };
    },
  );

  r.post(
    '/organizations/:org/webhooks',
    {
      schema: {
        tags: TAGS,
        summary: 'Add a webhook',
        description: 'Signed POSTs to `url` when a run of the organization ends (see docs/operations.md). The URL may not be on a private address.',
        params: OrgParams,
        body: PostWebhookBody,
        response: { 201: CreatedWebhook, ...commonErrors },
      },
    },
    async (request, reply) => {
      const org = await organizationFor(request, deps.repos, request.params.org);
      const { url, events, secret } = request.body;
      const added = await addWebhook(
        { organizations: deps.repos.organizations, webhooks: store },
        { organizationCode: org.code, url, events, ...(secret === undefined ? {} : { secret }), allowPrivateNetworks: deps.config.sources?.allowPrivateNetworks ?? false },
      );
      return reply.code(201).send({ ...present(added.webhook, org.code), ...(added.generated ? { secret: added.secret } : {}) });
    },
  );

  r.get(
    '/organizations/:org/webhooks/:id',
    { schema: { tags: TAGS, summary: 'Get a webhook', params: WebhookParams, response: { 200: Webhook, ...commonErrors } } },
    async (request) => {
      const org = await organizationFor(request, deps.repos, request.params.org);
      return present(await findWebhook(store, request.params.id, org.id), org.code);
    },
  );

  r.delete(
    '/organizations/:org/webhooks/:id',
    { schema: { tags: TAGS, summary: 'Remove a webhook and its delivery log', params: WebhookParams, response: { 204: z.null().describe('Removed: no body.'), ...commonErrors } } },
    async (request, reply) => {
      const org = await organizationFor(request, deps.repos, request.params.org);
      await removeWebhook(store, request.params.id, org.id);
      return reply.code(204).send(null);
    },
  );

  r.get(
    '/organizations/:org/webhooks/:id/deliveries',
    {
      schema: {
        tags: TAGS,
        summary: "A webhook's delivery log",
        description: 'The newest deliveries first, each with every attempt (status code, duration, error, when the next one is due).',
        params: WebhookParams,
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) }),
        response: { 200: z.strictObject({ data: z.array(Delivery) }), ...commonErrors },
      },
    },
    async (request) => {
      const org = await organizationFor(request, deps.repos, request.params.org);
      const webhook = await findWebhook(store, request.params.id, org.id);
      const found = await store.deliveries({ webhookId: webhook.id, limit: request.query.limit });
      return {
        data: found.map((d) => ({
          id: d.id,
          webhook_id: d.webhookId,
          run_id: d.runId,
          event: d.event,
          status: d.status,
          attempts: d.log.map((a) => ({ attempt: a.attempt, status_code: a.statusCode, duration_ms: a.durationMs, error: a.error, at: a.at, next_attempt_at: a.nextAttemptAt })),
          created_at: d.createdAt,
          finished_at: d.finishedAt,
        })),
      };
    },
  );
}
