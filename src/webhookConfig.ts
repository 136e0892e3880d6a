/**
 * Webhook delivery settings, merged into the configuration by config.ts.
 * Nothing here reads process.env.
 */
import { z } from 'zod';

const positiveInt = z.coerce.number().int().positive();

export const WebhookEnv = {
  // Tries per delivery (the first included); between them 1x, 2x, 4x ... the backoff.
  ORGSYNC_WEBHOOK_ATTEMPTS: positiveInt.max(50).default(8),
  ORGSYNC_WEBHOOK_BACKOFF_MS: positiveInt.default(10_000),
  ORGSYNC_WEBHOOK_TIMEOUT_SECONDS: positiveInt.max(300).default(10),
  // How often a worker puts recorded (pending) deliveries on the queue.
  ORGSYNC_WEBHOOK_DISPATCH_SECONDS: positiveInt.max(3600).default(5),
  // The API's public base URL, for the run link in a webhook's body (e.g. https://orgsync.example.com).
  ORGSYNC_PUBLIC_URL: z.preprocess((v) => (v === '' ? undefined : v), z.string().url().optional()),
};

type WebhookEnvValues = z.output<z.ZodObject<typeof WebhookEnv>>;

export interface WebhookConfig {
  attempts: number;
  backoffMs: number;
  timeoutSeconds: number;
  dispatchSeconds: number;
  publicUrl: string | undefined;
}

export function webhookConfigOf(e: WebhookEnvValues): { webhooks: WebhookConfig } {
  return {
    webhooks: {
      attempts: e.ORGSYNC_WEBHOOK_ATTEMPTS,
      backoffMs: e.ORGSYNC_WEBHOOK_BACKOFF_MS,
      timeoutSeconds: e.ORGSYNC_WEBHOOK_TIMEOUT_SECONDS,
      dispatchSeconds: e.ORGSYNC_WEBHOOK_DISPATCH_SECONDS,
      publicUrl: e.ORGSYNC_PUBLIC_URL?.replace(/\/+$/, ''),
    },
  };
}

/** The defaults, for a worker started without them (tests). */
export const DEFAULT_WEBHOOK_CONFIG: WebhookConfig = webhookConfigOf(z.object(WebhookEnv).parse({})).webhooks;
