/**
 * Schemas shared by every route, and the examples registry.
 *
 * Every example shown in the OpenAPI document is attached with `documented()`,
 * which also records it, so a test can parse each one with its schema. Response
 * schemas are strict objects and the serializer encodes every real response
 * through them, so an example that parses has exactly the shape the server
 * really sends.
 */
import { z } from 'zod';

const registered: { name: string; schema: z.ZodType; examples: readonly unknown[] }[] = [];

export function documented<T extends z.ZodType>(name: string, schema: T, examples: readonly z.input<T>[]): T {
  registered.push({ name, schema, examples });
  return schema.meta({ examples: [...examples] }) as T;
}

/** For the examples test. */
export function registeredExamples(): readonly { name: string; schema: z.ZodType; examples: readonly unknown[] }[] {
  return registered;
}

const TIMESTAMP = '2025-11-02T08:21:45Z';

function errorExample(status: number, code: string, message: string, details: Record<string, unknown>) {
  return {
    success: false as const,
    error: {
      code,
      message,
      type: status >= 500 ? ('server_error' as const) : ('client_error' as const),
      status,
      details,
      trace_id: 'req_01JC6ZQ1S7V5X9G2B3N4M5K6P7',
      timestamp: TIMESTAMP,
    },
  };
}

export const ErrorEnvelope = documented(
  'ErrorEnvelope',
  z
    .strictObject({
      success: z.literal(false),
      error: z.strictObject({
        code: z.string().describe('Stable, machine-readable code (see docs/errors.md and docs/api.md).'),
        message: z.string().describe('What went wrong, for a person.'),
        type: z.enum(['client_error', 'server_error']),
        status: z.int().describe('The HTTP status, repeated.'),
        details: z.record(z.string(), z.unknown()).describe('The field or value concerned, when there is one.'),
        trace_id: z.string().describe('The request id; it is in the server logs too.'),
        timestamp: z.string(),
      }),
    })
    .describe('The error envelope every failing request gets.'),
  [
    errorExample(409, 'DEPARTMENT_NAME_CONFLICT', 'a department named "Backend" already exists in the organization (the stored department "Backend")', {
      field: 'name',
      name: 'Backend',
    }),
    errorExample(400, 'VALIDATION_ERROR', 'name: Invalid input: expected string, received undefined', {
      field: 'name',
      location: 'body',
      issues: [{ field: 'name', message: 'Invalid input: expected string, received undefined' }],
    }),
    errorExample(401, 'UNAUTHORIZED', 'Send a valid API token as "Authorization: Bearer <token>".', {}),
    errorExample(404, 'ORGANIZATION_NOT_FOUND', 'No organization "globex".', { organization: 'globex' }),
  ],
);

/** The error responses most routes can give, for the OpenAPI document. */
export const commonErrors = {
  400: ErrorEnvelope,
  401: ErrorEnvelope,
  404: ErrorEnvelope,
  429: ErrorEnvelope,
} as const;

export const OrgParams = z.object({
  org: z.string().min(1).max(191).describe('The organization code (e.g. `acme`) or id (`org_...`).'),
});

export const Pagination = z.strictObject({
  total: z.int().nonnegative(),
  limit: z.int().positive(),
  offset: z.int().nonnegative(),
  has_more: z.boolean(),
});

export const PageQuery = {
  limit: z.coerce.number().int().min(1).max(500).default(50).describe('Page size, 1-500.'),
  offset: z.coerce.number().int().min(0).default(0).describe('How many items to skip.'),
};

/** `true`/`false`/`1`/`0` in a query string. */
export { booleanText as queryBoolean } from '../../../core/boolish.js';
