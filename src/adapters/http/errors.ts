/**
 * The one error envelope every failing request gets, as the Aitronos seed API
 * has it:
 *
 *   { "success": false, "error": { code, message, type, status, details, trace_id, timestamp } }
 *
 * trace_id is the request id (also in every log line of the request). Messages
 * are written for API users; a stack trace or driver message never leaves the
 * server (500s are logged in full and answered with a generic message).
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';

export type Details = Record<string, unknown>;

/** A failure with a status, a stable code and details: thrown by handlers, rendered by the error handler. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details: Details = {},
  ) {
    super(message);
  }
}

export interface ErrorEnvelope {
  success: false;
  error: {
    code: string;
    message: string;
    type: 'client_error' | 'server_error';
    status: number;
    details: Details;
    trace_id: string;
    timestamp: string;
  };
}

export function envelope(request: FastifyRequest, status: number, code: string, message: string, details: Details = {}): ErrorEnvelope {
  return {
    success: false,
    error: {
      code,
      message,
      type: status >= 500 ? 'server_error' : 'client_error',
      status,
      details,
      trace_id: String(request.id),
      // Whole seconds, like the seed's examples.
      timestamp: `${new Date().toISOString().slice(0, 19)}Z`,
    },
  };
}

export function sendError(request: FastifyRequest, reply: FastifyReply, err: ApiError): FastifyReply {
  return reply.code(err.statusCode).type('application/json; charset=utf-8').send(envelope(request, err.statusCode, err.code, err.message, err.details));
}

/** Fastify's and its plugins' own errors, by code: what a client did wrong, in our vocabulary. */
const FRAMEWORK_ERRORS: Record<string, (err: FastifyError, request: FastifyRequest) => ApiError> = {
  FST_ERR_CTP_BODY_TOO_LARGE: (_e, r) =>
    new ApiError(413, 'PAYLOAD_TOO_LARGE', 'The request body is larger than this route accepts.', { limit_bytes: r.routeOptions.bodyLimit }),
  FST_REQ_FILE_TOO_LARGE: (_e, r) =>
    new ApiError(413, 'PAYLOAD_TOO_LARGE', 'The uploaded file is larger than the upload limit.', { limit_bytes: r.routeOptions.bodyLimit }),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: (_e, r) =>
    new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', 'This route does not accept that Content-Type.', { content_type: r.headers['content-type'] ?? null }),
  FST_INVALID_MULTIPART_CONTENT_TYPE: (_e, r) =>
    new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', 'This route does not accept that Content-Type.', { content_type: r.headers['content-type'] ?? null }),
  FST_ERR_CTP_EMPTY_JSON_BODY: () => new ApiError(400, 'INVALID_JSON', 'The request body is empty; send a JSON object.'),
  FST_ERR_CTP_INVALID_JSON_BODY: () => new ApiError(400, 'INVALID_JSON', 'The request body is not valid JSON.'),
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () => new ApiError(400, 'INVALID_CONTENT_LENGTH', 'The Content-Length header does not match the body.'),
  FST_PARTS_LIMIT: () => new ApiError(413, 'PAYLOAD_TOO_LARGE', 'The multipart form has too many parts.'),
  FST_FILES_LIMIT: () => new ApiError(400, 'TOO_MANY_FILES', 'Send exactly one file per import.'),
  FST_FIELDS_LIMIT: () => new ApiError(413, 'PAYLOAD_TOO_LARGE', 'The multipart form has too many fields.'),
};

/** `body.name` → `name`; `querystring.limit` → `limit`: the field a client has to fix. */
function fieldOf(err: { instancePath?: string; params?: unknown }): string {
  const path = (err.instancePath ?? '').split('/').filter(Boolean).join('.');
  return path === '' ? '(root)' : path;
}

export function toApiError(err: unknown, request: FastifyRequest): ApiError | undefined {
  if (err instanceof ApiError) return err;
  if (hasZodFastifySchemaValidationErrors(err)) {
    const issues = err.validation.map((v) => ({ field: fieldOf(v), message: v.message ?? 'is invalid' }));
    const first = issues[0]!;
    return new ApiError(400, 'VALIDATION_ERROR', `${first.field}: ${first.message}`, {
      field: first.field,
      location: err.validationContext ?? 'body',
      issues,
    });
  }
  if (err instanceof Error && err.name === 'LockTimeoutError') {
    // Another import of the organization holds its lock: a later attempt will work.
    return new ApiError(503, 'ORGANIZATION_BUSY', err.message);
  }
  const fe = err as Partial<FastifyError>;
  const known = fe.code ? FRAMEWORK_ERRORS[fe.code] : undefined;
  if (known) return known(fe as FastifyError, request);
  // JSON syntax errors come out of the body parser as a SyntaxError with status 400.
  if (err instanceof SyntaxError && fe.statusCode === 400) return FRAMEWORK_ERRORS.FST_ERR_CTP_INVALID_JSON_BODY!(fe as FastifyError, request);
  // Other client errors Fastify raises carry a status and a message safe to show.
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500 && !isResponseSerializationError(err)) {
    return new ApiError(fe.statusCode, 'BAD_REQUEST', fe.message ?? 'Bad request');
  }
  return undefined;
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err, request, reply) => {
    const apiError = toApiError(err, request);
    if (apiError) {
      if (apiError.statusCode >= 500) request.log.error({ err }, 'request failed');
      return sendError(request, reply, apiError);
    }
    // Full detail in the log (with the request id), none in the response.
    request.log.error({ err }, 'unhandled error');
    return sendError(request, reply, new ApiError(500, 'INTERNAL_ERROR', 'Something went wrong on our side. Quote the trace_id when reporting it.'));
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(request, reply, new ApiError(404, 'ROUTE_NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}.`)),
  );
}
