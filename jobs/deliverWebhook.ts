/**
 * `deliver-webhook`: one attempt to POST one recorded delivery to its
 * receiver (src/app/webhookDelivery.ts). A failed attempt throws, so BullMQ
 * retries it with exponential backoff (the job options the dispatcher set);
 * the attempt log in the database says what happened each time.
 */
import type { Job } from 'bullmq';
import { type DeliverWebhookPayload, DeliverWebhookPayloadSchema, JOB_NAMES } from '../src/app/jobContracts.js';
import { deliverAttempt } from '../src/app/webhookDelivery.js';
import { webhooksStore } from '../src/adapters/webhooks/store.js';
import { DEFAULT_WEBHOOK_CONFIG } from '../src/webhookConfig.js';
import type { JobDefinition, JobDeps } from './types.js';

export const name = JOB_NAMES.deliverWebhook;
export type Payload = DeliverWebhookPayload;
export type Result = { outcome: 'delivered' | 'failed' | 'gone' };

export async function processor(job: Job<Payload>, deps: JobDeps): Promise<Result> {
  const settings = deps.webhooks ?? DEFAULT_WEBHOOK_CONFIG;
  const log = deps.log.child({ job: job.name, jobId: job.id, attempt: job.attemptsMade + 1 });
  const webhooks = webhooksStore(deps.db);
  try {
    const outcome = await deliverAttempt(webhooks, job.data.deliveryId, job.attemptsMade + 1, {
      ...settings,
      // The job's own attempts decide which one is the last (the dispatcher set them).
      attempts: job.opts.attempts ?? settings.attempts,
      allowPrivateNetworks: deps.sources.allowPrivateNetworks,
    });
    if (outcome === 'failed') log.warn('webhook delivery failed; no attempts left');
    return { outcome: outcome === 'retry' ? 'failed' : outcome };
  } catch (err) {
    log.info({ err }, 'webhook delivery attempt failed; it will be retried');
    throw err;
  }
}

export const deliverWebhook: JobDefinition<Payload, Result> = { name, payload: DeliverWebhookPayloadSchema, process: processor };
