/**
 * The webhook signature: HMAC-SHA256 over `${timestamp}.${body}` with the
 * webhook's secret, sent as `Orgsync-Signature: t=<unix seconds>,v1=<hex>`
 * (the scheme Stripe uses; GitHub's is the same HMAC without the timestamp).
 * The timestamp is signed so a receiver can refuse an old delivery replayed
 * by someone who captured it (docs/operations.md has the receiver's check).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'Orgsync-Signature';

export function signatureOf(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

export function signatureHeader(secret: string, body: string, now: Date = new Date()): string {
  const t = Math.floor(now.getTime() / 1000);
  return `t=${t},v1=${signatureOf(secret, t, body)}`;
}

/** The receiver's side (also used by tests): true when the header signs `body` and is at most `toleranceSeconds` old. */
export function verifySignature(secret: string, header: string, body: string, toleranceSeconds = 300, now: Date = new Date()): boolean {
  const parts = Object.fromEntries(header.split(',').map((p) => p.split('=', 2) as [string, string]));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || !parts.v1 || Math.abs(now.getTime() / 1000 - t) > toleranceSeconds) return false;
  const expected = Buffer.from(signatureOf(secret, t, body), 'hex');
  const given = Buffer.from(parts.v1, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** A new secret, printed once when a webhook is added without --secret-from-env. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}
