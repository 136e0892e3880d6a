/**
 * The announcement of a run's end to its organization's webhooks, recorded as
 * pending deliveries (a worker's dispatcher queues them and the
 * deliver-webhook job sends them: webhookDelivery.ts).
 *
 * Announcing never blocks or fails the run: it happens after the run's final
 * status is stored, only writes rows to the database (no Redis: an import on
 * a machine without Redis still records what is to be told), and any error it
 * meets is reported to `onError` and swallowed.
 */
import type { WebhookEvent } from '../adapters/webhooks/store.js';
import type { ImportRunRecord, Repositories } from './ports.js';

/** Which event a run's stored status announces; undefined while it is not final. */
export function eventOf(status: ImportRunRecord['status']): WebhookEvent | undefined {
  if (status === 'completed' || status === 'completed_with_errors') return 'run.completed';
  if (status === 'failed') return 'run.failed';
  if (status === 'needs_approval') return 'run.needs_approval';
  return undefined;
}

/** The event's body without its delivery id and links (added when sent: webhookDelivery.ts). */
export function eventBody(event: WebhookEvent, run: ImportRunRecord): string {
  return JSON.stringify({
    event,
    occurredAt: run.finishedAt ?? new Date().toISOString(),
    run: {
      id: run.id,
      organization: run.organizationCode,
      status: run.status,
      mode: run.mode,
      dryRun: run.dryRun,
      source: run.sourceName,
      counts: run.counts,
      error: run.errorCode === null ? null : { code: run.errorCode, message: run.errorMessage },
      parentRunId: run.parentRunId,
      createdAt: run.createdAt,
      startedAt: run.startedAt,
      finishedAt: run.finishedAt,
    },
  });
}

/**
 * Called once a run's final status (or needs_approval) is stored: records a
 * pending delivery for each webhook of its organization that subscribed to
 * the event. Idempotent (one delivery per webhook, run and event), so a
 * second call for the same end adds nothing. `event` overrides the event the
 * status implies (a revert run announces run.reverted).
 */
export async function announceRunEnded(
  repos: Pick<Repositories, 'runs' | 'webhooks'>,
  runId: string,
  opts: { event?: WebhookEvent; onError?: (err: unknown) => void } = {},
): Promise<number> {
  const { webhooks } = repos;
  if (!webhooks) return 0;
  try {
    const run = await repos.runs.getRun(runId);
    if (!run || run.organizationCode === '') return 0;
    const event = opts.event ?? eventOf(run.status);
    if (!event) return 0;
    const targets = await webhooks.subscribedTo(run.organizationCode, event);
    const body = eventBody(event, run);
    for (const w of targets) await webhooks.addDelivery({ webhookId: w.id, organizationId: w.organizationId, runId, event, body });
    return targets.length;
  } catch (err) {
    (opts.onError ?? warn)(err);
    return 0;
  }
}

function warn(err: unknown): void {
  process.emitWarning(`orgsync: the end of a run was not recorded for its webhooks: ${(err as Error).message}`);
}
