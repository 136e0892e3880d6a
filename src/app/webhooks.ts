/**
 * Webhooks: an organization's subscriptions to the end of its runs (adding
 * one checks its URL against the SSRF guard). A run's end is announced by
 * runAnnouncements.ts and delivered by webhookDelivery.ts.
 */
import { lookup } from 'node:dns/promises';
import { OrgsyncError } from '../core/errors.js';
import { checkLiteralHost, isNonPublicAddress } from '../adapters/sources/network.js';
import { newWebhookSecret } from '../adapters/webhooks/signing.js';
import { WEBHOOK_EVENTS, type WebhookEvent, type WebhookRecord } from '../adapters/webhooks/store.js';
import type { Repositories, WebhooksPort } from './ports.js';

export { WEBHOOK_EVENTS, type WebhookEvent, type WebhookRecord } from '../adapters/webhooks/store.js';

export class InvalidWebhookError extends OrgsyncError {
  override readonly name = 'InvalidWebhookError';
  constructor(message: string) {
    super('INVALID_WEBHOOK', message);
  }
}

export class WebhookNotFoundError extends OrgsyncError {
  override readonly name = 'WebhookNotFoundError';
  constructor(id: string) {
    super('WEBHOOK_NOT_FOUND', `no webhook "${id}"${id.startsWith('whk_') ? '' : ' (webhook ids start with whk_)'}`);
  }
}

/** `run.completed,run.failed` → the events, each one we know. */
export function parseEvents(text: string | readonly string[]): WebhookEvent[] {
  const items = (typeof text === 'string' ? text.split(',') : [...text]).map((e) => e.trim()).filter((e) => e !== '');
  if (items.length === 0) throw new InvalidWebhookError(`give at least one event: ${WEBHOOK_EVENTS.join(', ')}`);
  const unknown = items.filter((e) => !(WEBHOOK_EVENTS as readonly string[]).includes(e));
  if (unknown.length > 0) throw new InvalidWebhookError(`unknown event ${unknown.map((e) => `"${e}"`).join(', ')}; the events are ${WEBHOOK_EVENTS.join(', ')}`);
  return [...new Set(items)] as WebhookEvent[];
}

/**
 * The URL must be http(s), carry no credentials, and (unless private networks
 * are allowed, ORGSYNC_SOURCE_ALLOW_PRIVATE) neither be nor resolve to a
 * loopback, private or link-local address: the same guard as the http source.
 * Delivery checks again at connect time (DNS rebinding).
 */
export async function checkWebhookUrl(text: string, allowPrivateNetworks: boolean): Promise<URL> {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InvalidWebhookError(`"${text}" is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new InvalidWebhookError(`a webhook URL must be http(s), not ${url.protocol}`);
  if (url.username || url.password) throw new InvalidWebhookError('a webhook URL must not carry a user or password (the signature authenticates orgsync)');
  if (allowPrivateNetworks) return url;
  const refuse = (address: string) =>
    new InvalidWebhookError(
      `refusing webhook URL ${url.origin}: ${address === url.hostname ? 'it is' : `it resolves to ${address},`} a loopback, private or link-local address ` +
        '(set ORGSYNC_SOURCE_ALLOW_PRIVATE=true to allow receivers on internal networks)',
    );
  try {
    checkLiteralHost(url.hostname);
  } catch {
    throw refuse(url.hostname);
  }
  let addresses: { address: string }[];
  try {
    addresses = await lookup(url.hostname.replace(/^\[|\]$/g, ''), { all: true });
  } catch (err) {
    throw new InvalidWebhookError(`cannot resolve ${url.hostname}: ${(err as Error).message}`);
  }
  const bad = addresses.find((a) => isNonPublicAddress(a.address));
  if (bad) throw refuse(bad.address);
  return url;
}

export interface AddWebhookInput {
  organizationCode: string;
  url: string;
  events: string | readonly string[];
  /** Unset: a new secret is generated and returned (once). */
  secret?: string;
  allowPrivateNetworks: boolean;
}

export async function addWebhook(
  { organizations, webhooks }: Pick<Repositories, 'organizations'> & { webhooks: WebhooksPort },
  input: AddWebhookInput,
): Promise<{ webhook: WebhookRecord; secret: string; generated: boolean }> {
  const org = await organizations.findByCode(input.organizationCode);
  if (!org) throw new InvalidWebhookError(`organization "${input.organizationCode}" does not exist`);
  const events = parseEvents(input.events);
  const url = await checkWebhookUrl(input.url, input.allowPrivateNetworks);
  if (input.secret !== undefined && input.secret.length < 16) throw new InvalidWebhookError('a webhook secret must be at least 16 characters');
  const secret = input.secret ?? newWebhookSecret();
  const webhook = await webhooks.insert({ organizationId: org.id, url: url.toString(), events, secret });
  return { webhook, secret, generated: input.secret === undefined };
}

/** The webhook, when it exists and (given an organization id) belongs to it. */
export async function findWebhook(webhooks: WebhooksPort, id: string, organizationId?: string): Promise<WebhookRecord> {
  const found = await webhooks.get(id);
  if (!found || (organizationId !== undefined && found.organizationId !== organizationId)) throw new WebhookNotFoundError(id);
  return found;
}

export async function removeWebhook(webhooks: WebhooksPort, id: string, organizationId?: string): Promise<void> {
  await findWebhook(webhooks, id, organizationId);
  await webhooks.remove(id);
}
