/**
 * Webhooks, their deliveries and each delivery's attempts, in the database
 * (see migrations/0008_webhooks.ts). The secret leaves this file only through
 * `secretOf`, which the delivery job alone calls.
 */
import { ulid } from 'ulid';
import type { Db } from '../db/connection.js';
import { TABLES } from '../db/tables.js';
import { fromDbDateTime, fromDbDateTimeOrNull, fromDbInteger, fromDbJson, toDbDateTime, toDbJson } from '../db/values.js';

export const WEBHOOK_EVENTS = ['run.completed', 'run.failed', 'run.needs_approval', 'run.reverted'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];
export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

/** A webhook as it may be shown: never its secret. */
export interface WebhookRecord {
  id: string;
  organizationId: string;
  url: string;
  events: WebhookEvent[];
  createdAt: string;
}

export interface DeliveryAttempt {
  attempt: number;
  statusCode: number | null;
  durationMs: number;
  error: string | null;
  at: string;
  nextAttemptAt: string | null;
}

export interface DeliveryRecord {
  id: string;
  webhookId: string;
  organizationId: string;
  runId: string;
  event: WebhookEvent;
  status: DeliveryStatus;
  attempts: number;
  createdAt: string;
  finishedAt: string | null;
}

type Row = Record<string, unknown>;

const toWebhook = (r: Row): WebhookRecord => ({
  id: String(r.id),
  organizationId: String(r.organization_id),
  url: String(r.url),
  events: (fromDbJson(r.events) ?? []) as WebhookEvent[],
  createdAt: fromDbDateTime(r.created_at),
});

const toDelivery = (r: Row): DeliveryRecord => ({
  id: String(r.id),
  webhookId: String(r.webhook_id),
  organizationId: String(r.organization_id),
  runId: String(r.run_id),
  event: String(r.event) as WebhookEvent,
  status: String(r.status) as DeliveryStatus,
  attempts: fromDbInteger(r.attempts),
  createdAt: fromDbDateTime(r.created_at),
  finishedAt: fromDbDateTimeOrNull(r.finished_at),
});

const toAttempt = (r: Row): DeliveryAttempt => ({
  attempt: fromDbInteger(r.attempt),
  statusCode: r.status_code === null ? null : fromDbInteger(r.status_code),
  durationMs: fromDbInteger(r.duration_ms),
  error: r.error === null ? null : String(r.error),
  at: fromDbDateTime(r.at),
  nextAttemptAt: fromDbDateTimeOrNull(r.next_attempt_at),
});

export function webhooksStore(db: Db) {
  const k = db.knex;
  return {
    async insert(input: { organizationId: string; url: string; events: readonly WebhookEvent[]; secret: string }): Promise<WebhookRecord> {
      const row = { id: `whk_${ulid()}`, organization_id: input.organizationId, url: input.url, events: toDbJson(input.events), secret: input.secret, created_at: toDbDateTime(new Date()) };
      await k(TABLES.webhooks).insert(row);
      return toWebhook(row);
    },
    async list(organizationId?: string): Promise<WebhookRecord[]> {
      const q = k(TABLES.webhooks).select('id', 'organization_id', 'url', 'events', 'created_at').orderBy('id');
      if (organizationId !== undefined) void q.where({ organization_id: organizationId });
      return ((await q) as Row[]).map(toWebhook);
    },
    async get(id: string): Promise<WebhookRecord | undefined> {
      const row = (await k(TABLES.webhooks).select('id', 'organization_id', 'url', 'events', 'created_at').where({ id }).first()) as Row | undefined;
      return row ? toWebhook(row) : undefined;
    },
    async secretOf(id: string): Promise<string | undefined> {
      const row = (await k(TABLES.webhooks).select('secret').where({ id }).first()) as { secret: string } | undefined;
      return row?.secret;
    },
    /** Deletes the webhook and, by cascade, its delivery log. */
    async remove(id: string): Promise<boolean> {
      return (await k(TABLES.webhooks).where({ id }).delete()) > 0;
    },
    /** The webhooks of an organization (by code) that subscribed to `event`. */
    async subscribedTo(organizationCode: string, event: WebhookEvent): Promise<WebhookRecord[]> {
      const rows = (await k(`${TABLES.webhooks} as w`)
        .join(`${TABLES.organizations} as o`, 'o.id', 'w.organization_id')
        .where('o.code', organizationCode)
        .select('w.id', 'w.organization_id', 'w.url', 'w.events', 'w.created_at')) as Row[];
      return rows.map(toWebhook).filter((w) => w.events.includes(event));
    },
    /** Records a pending delivery; a second announcement of the same run's event adds nothing (unique key). */
    async addDelivery(input: { webhookId: string; organizationId: string; runId: string; event: WebhookEvent; body: string }): Promise<void> {
      await k(TABLES.webhookDeliveries)
        .insert({
          id: `whd_${ulid()}`,
          webhook_id: input.webhookId,
          organization_id: input.organizationId,
          run_id: input.runId,
          event: input.event,
          body: input.body,
          status: 'pending',
          attempts: 0,
          created_at: toDbDateTime(new Date()),
        })
        .onConflict(['webhook_id', 'run_id', 'event'])
        .ignore();
    },
    /** Pending deliveries never queued, or queued before `staleBefore` (a queue that lost them). */
    async toEnqueue(staleBefore: Date, limit = 100): Promise<string[]> {
      const rows = (await k(TABLES.webhookDeliveries)
        .select('id')
        .where({ status: 'pending' })
        .andWhere((w) => void w.whereNull('enqueued_at').orWhere('enqueued_at', '<', toDbDateTime(staleBefore)))
        .orderBy('created_at')
        .limit(limit)) as { id: string }[];
      return rows.map((r) => r.id);
    },
    async markEnqueued(ids: readonly string[]): Promise<void> {
      if (ids.length > 0) await k(TABLES.webhookDeliveries).whereIn('id', ids).update({ enqueued_at: toDbDateTime(new Date()) });
    },
    async delivery(id: string): Promise<(DeliveryRecord & { body: string }) | undefined> {
      const row = (await k(TABLES.webhookDeliveries).where({ id }).first()) as Row | undefined;
      return row ? { ...toDelivery(row), body: String(row.body) } : undefined;
    },
    async recordAttempt(deliveryId: string, attempt: DeliveryAttempt, status: DeliveryStatus): Promise<void> {
      await k.transaction(async (trx) => {
        await trx(TABLES.webhookAttempts).insert({
          delivery_id: deliveryId,
          attempt: attempt.attempt,
          status_code: attempt.statusCode,
          duration_ms: attempt.durationMs,
          error: attempt.error,
          at: toDbDateTime(new Date(attempt.at)),
          next_attempt_at: attempt.nextAttemptAt === null ? null : toDbDateTime(new Date(attempt.nextAttemptAt)),
        });
        await trx(TABLES.webhookDeliveries)
          .where({ id: deliveryId })
          .update({ status, attempts: attempt.attempt, ...(status === 'pending' ? {} : { finished_at: toDbDateTime(new Date()) }) });
      });
    },
    async deliveries(filter: { organizationId?: string; webhookId?: string; limit?: number }): Promise<(DeliveryRecord & { log: DeliveryAttempt[] })[]> {
      const q = k(TABLES.webhookDeliveries)
        .select('id', 'webhook_id', 'organization_id', 'run_id', 'event', 'status', 'attempts', 'created_at', 'finished_at')
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(filter.limit ?? 100);
      if (filter.organizationId !== undefined) void q.where({ organization_id: filter.organizationId });
      if (filter.webhookId !== undefined) void q.where({ webhook_id: filter.webhookId });
      const found = ((await q) as Row[]).map(toDelivery);
      if (found.length === 0) return [];
      const attempts = (await k(TABLES.webhookAttempts).whereIn('delivery_id', found.map((d) => d.id)).orderBy('id')) as Row[];
      return found.map((d) => ({ ...d, log: attempts.filter((a) => a.delivery_id === d.id).map(toAttempt) }));
    },
    /** Deliveries by outcome, for /metrics. */
    async countByStatus(): Promise<{ status: DeliveryStatus; count: number }[]> {
      const rows = (await k(TABLES.webhookDeliveries).select('status').count({ n: '*' }).groupBy('status')) as Row[];
      return rows.map((r) => ({ status: String(r.status) as DeliveryStatus, count: fromDbInteger(r.n) }));
    },
  };
}

export type WebhooksStore = ReturnType<typeof webhooksStore>;
