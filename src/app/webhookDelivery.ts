/**
 * Getting recorded deliveries to their receivers.
 *
 * The dispatcher (every ORGSYNC_WEBHOOK_DISPATCH_SECONDS on each worker) puts
 * pending deliveries on the queue as deliver-webhook jobs, job id = delivery
 * id, so two workers dispatching at once add one job. While Redis is down the
 * rows stay pending and the next round queues them; a delivery queued long ago
 * and still pending (the queue lost it) is queued again.
 *
 * Each attempt is one job attempt: its outcome is logged (status code,
 * duration, error, when the next one is due) and a failure is thrown, so
 * BullMQ retries it with exponential backoff until the attempts run out; the
 * last failed attempt marks the delivery failed.
 */
import type { JobsOptions, Queue } from 'bullmq';
import { sendWebhook } from '../adapters/webhooks/send.js';
import { JOB_NAMES } from './jobContracts.js';
import type { WebhooksPort } from './ports.js';

export interface DeliverySettings {
  attempts: number;
  backoffMs: number;
  timeoutSeconds: number;
  /** Prefixes the run link (ORGSYNC_PUBLIC_URL); unset: the link is a path. */
  publicUrl: string | undefined;
  allowPrivateNetworks: boolean;
}

/** A queued delivery still pending after this long was lost by the queue: queue it again. */
const REQUEUE_AFTER_MS = 60 * 60 * 1000;

export function deliveryJobOptions(settings: Pick<DeliverySettings, 'attempts' | 'backoffMs'>, deliveryId: string): JobsOptions {
  return {
    jobId: deliveryId,
    attempts: settings.attempts,
    backoff: { type: 'exponential', delay: settings.backoffMs },
    removeOnComplete: { age: 7 * 86_400, count: 1000 },
    removeOnFail: { age: 7 * 86_400, count: 1000 },
  };
}

/** Queues pending deliveries; returns how many. Throws when Redis does not answer (the rows stay pending). */
export async function dispatchPendingDeliveries(webhooks: WebhooksPort, queue: Queue, settings: Pick<DeliverySettings, 'attempts' | 'backoffMs'>, now = new Date()): Promise<number> {
  const ids = await webhooks.toEnqueue(new Date(now.getTime() - REQUEUE_AFTER_MS));
  if (ids.length === 0) return 0;
  await queue.addBulk(ids.map((id) => ({ name: JOB_NAMES.deliverWebhook, data: { deliveryId: id }, opts: deliveryJobOptions(settings, id) })));
  await webhooks.markEnqueued(ids);
  return ids.length;
}

export class DeliveryFailedError extends Error {
  override readonly name = 'DeliveryFailedError';
}

/**
 * One attempt (`attempt` counts from 1). Resolves when the receiver answered
 * 2xx, or when there is nothing left to do (delivery or webhook gone, already
 * delivered); throws DeliveryFailedError when it should be tried again.
 */
export async function deliverAttempt(webhooks: WebhooksPort, deliveryId: string, attempt: number, settings: DeliverySettings): Promise<'delivered' | 'failed' | 'retry' | 'gone'> {
  const delivery = await webhooks.delivery(deliveryId);
  if (!delivery || delivery.status !== 'pending') return 'gone';
  const [webhook, secret] = await Promise.all([webhooks.get(delivery.webhookId), webhooks.secretOf(delivery.webhookId)]);
  if (!webhook || secret === undefined) return 'gone';
  const event = JSON.parse(delivery.body) as { run: { id: string; organization: string } };
  const path = `/v1/organizations/${encodeURIComponent(event.run.organization)}/imports/${event.run.id}`;
  const body = JSON.stringify({ id: delivery.id, ...event, links: { run: `${settings.publicUrl ?? ''}${path}` } });
  const at = new Date();
  const result = await sendWebhook(webhook.url, secret, body, {
    allowPrivateNetworks: settings.allowPrivateNetworks,
    timeoutMs: settings.timeoutSeconds * 1000,
    headers: { 'Orgsync-Event': delivery.event, 'Orgsync-Delivery': delivery.id },
  });
  const last = attempt >= settings.attempts;
  const ok = result.error === null;
  // BullMQ's exponential backoff: delay * 2^(attempts made - 1).
  const nextAt = ok || last ? null : new Date(Date.now() + settings.backoffMs * 2 ** (attempt - 1)).toISOString();
  const status = ok ? 'delivered' : last ? 'failed' : 'pending';
  await webhooks.recordAttempt(deliveryId, { attempt, statusCode: result.statusCode, durationMs: result.durationMs, error: result.error, at: at.toISOString(), nextAttemptAt: nextAt }, status);
  if (status === 'pending') throw new DeliveryFailedError(`delivery ${deliveryId} to ${new URL(webhook.url).origin} failed: ${result.error}`);
  return status;
}

/** The worker's dispatcher: a round now and every `everySeconds`; a round that fails (Redis down) is reported and the next one tries again. */
export function startDeliveryDispatcher(
  webhooks: WebhooksPort,
  queue: Queue,
  settings: Pick<DeliverySettings, 'attempts' | 'backoffMs'> & { dispatchSeconds: number },
  onError: (err: unknown) => void,
): { round(): Promise<number>; stop(): void } {
  let running: Promise<number> | undefined;
  const round = (): Promise<number> => {
    // One round at a time: a slow Redis must not pile them up.
    running ??= dispatchPendingDeliveries(webhooks, queue, settings)
      .catch((err: unknown) => {
        onError(err);
        return 0;
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  const timer = setInterval(() => void round(), settings.dispatchSeconds * 1000);
  timer.unref();
  return { round, stop: () => clearInterval(timer) };
}
