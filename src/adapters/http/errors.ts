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
import { isTransientDatabaseFault } from '../db/dbErrors.js';
import { isOrgsyncError, type ThrownErrorCode } from '../../core/errors.js';

export type Details = Record<string, unknown>;

/** A failure with a status, a stable code and details: thrown by handlers, rendered by the error handler. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  /** Response headers that belong to the answer (Retry-After...). */
  headers: Record<string, string> = {};
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details: Details = {},
  ) {
    super(message);
  }

  withHeaders(headers: Record<string, string>): this {
    this.headers = { ...this.headers, ...headers };
    return this;
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
  return reply
    .code(err.statusCode)
    .headers(err.headers)
    .type('application/json; charset=utf-8')
    .send(envelope(request, err.statusCode, err.code, err.message, err.details));
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
  // Raised by the router, before any route runs (see frameworkErrors in app.ts).
  FST_ERR_BAD_URL: () => new ApiError(400, 'INVALID_URL', 'The URL is not valid (for example a bad percent-encoding or invalid UTF-8).'),
  FST_ERR_MAX_PARAM_LENGTH: () => new ApiError(414, 'URL_TOO_LONG', 'A path parameter of the URL is longer than any this API accepts.'),
  FST_ERR_CTP_INVALID_TYPE: (_e, r) =>
    new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', 'This route does not accept that Content-Type.', { content_type: r.headers['content-type'] ?? null }),
};

/**
 * The HTTP status of every code an orgsync error carries, for the ones a route
 * did not turn into an answer of its own. The compiler holds this table to the
 * registry: a new code needs a status here. A 5xx answers the registry's
 * generic text; the error's own message is only logged.
 */
export const HTTP_STATUS_OF: Record<ThrownErrorCode, number> = {
  // File errors: the input as a whole cannot be imported.
  ORGANIZATION_NOT_FOUND: 404,
  DEACTIVATION_THRESHOLD_EXCEEDED: 409,
  ATOMIC_ABORTED: 409,
  DOCUMENT_ORGANIZATION_MISMATCH: 400,
  EMPTY_FILE: 400,
  UNSUPPORTED_FORMAT: 400,
  INVALID_ENCODING: 400,
  CSV_SYNTAX_ERROR: 400,
  INCONSISTENT_COLUMNS: 400,
  DUPLICATE_HEADER: 400,
  EMPTY_HEADER: 400,
  YAML_SYNTAX_ERROR: 400,
  JSON_SYNTAX_ERROR: 400,
  INVALID_DOCUMENT: 400,
  TOO_MANY_ALIASES: 400,
  ROW_LIMIT_EXCEEDED: 400,
  FILE_TOO_LARGE: 413,
  ENCRYPTED_WORKBOOK: 400,
  CORRUPT_WORKBOOK: 400,
  SHEET_NOT_FOUND: 400,
  INVALID_ORGANIZATION_CODE: 400,
  MAPPING_COLUMN_NOT_FOUND: 400,
  UNKNOWN_COLUMN: 400,
  // Run failures: the run's stored state, or faults behind it.
  INPUT_MISSING: 409,
  INVALID_RUN_OPTIONS: 409,
  RETRIES_EXHAUSTED: 503,
  INTERNAL_ERROR: 500,
  JOB_LOST: 500,
  RUN_ABANDONED: 500,
  RUN_CANCELLED: 409,
  SOURCE_UNCHANGED: 409,
  // Operations.
  USAGE_ERROR: 400,
  CONFIG_INVALID: 500,
  DATABASE_NOT_READY: 503,
  TOKEN_SETUP_FAILED: 400,
  RUN_NOT_FOUND: 404,
  RUN_NOT_RETRYABLE: 409,
  RUN_NOT_APPROVABLE: 409,
  APPROVAL_NOT_ALLOWED: 403,
  INVALID_SCHEDULE: 400,
  INVALID_TIMEZONE: 400,
  QUEUE_NEEDS_MYSQL: 503,
  QUEUE_UNAVAILABLE: 503,
  INVALID_SOURCE: 400,
  SOURCE_UNAVAILABLE: 400,
  SOURCE_OUTSIDE_ROOT: 400,
  SOURCE_PRIVATE_ADDRESS: 400,
  SOURCE_TEMPORARILY_UNAVAILABLE: 503,
  // Another import of the organization holds its lock: a later attempt will work.
  ORGANIZATION_BUSY: 503,
  DATABASE_UNAVAILABLE: 503,
  DATABASE_CAPACITY: 503,
  JOB_REGISTRY_INVALID: 500,
  INVALID_WEBHOOK: 400,
  WEBHOOK_NOT_FOUND: 404,
  REVERT_CONFLICT: 409,
  RUN_NOT_REVERTIBLE: 409,
  INVALID_CURSOR: 400,
};

/**
 * Seconds a client should wait before retrying, sent as `Retry-After` with the
 * code's answer. ORGANIZATION_BUSY: an import holds the organization (API
 * writes wait for it up to ORGSYNC_LOCK_TIMEOUT_SECONDS first); a few seconds
 * lets a short import finish without clients hammering a long one.
 */
export const RETRY_AFTER_SECONDS_OF: Partial<Record<ThrownErrorCode, number>> = {
  ORGANIZATION_BUSY: 5,
  DATABASE_UNAVAILABLE: 5,
  // The lock table fills while a large import holds its locks: a small write
  // succeeds once that transaction ends, which takes longer than a lock wait.
  DATABASE_CAPACITY: 30,
};

/** The message an API user gets for a 5xx: nothing of the server's insides. */
const SERVER_SIDE_MESSAGE: Partial<Record<number, string>> = {
  503: 'A service orgsync depends on is busy or unreachable; retry later.',
};

/** `body.name` → `name`; `querystring.limit` → `limit`: the field a client has to fix. */
function fieldOf(err: { instancePath?: string; params?: unknown }): string {
  const path = (err.instancePath ?? '').split('/').filter(Boolean).join('.');
  return path === '' ? '(root)' : path;
}

export function toApiError(err: unknown, request: FastifyRequest): ApiError | undefined {
  if (err instanceof ApiError) return err;
  if (hasZodFastifySchemaValidationErrors(err)) {
    // A query parameter the route does not know (strict querystring schemas) is named, never ignored.
    const unknown = err.validationContext === 'querystring' ? err.validation.find((v) => v.keyword === 'unrecognized_keys') : undefined;
    if (unknown) {
      const names = ((unknown.params as { keys?: string[] }).keys ?? []).map(String);
      return new ApiError(400, 'UNKNOWN_PARAMETER', `Unknown query parameter${names.length > 1 ? 's' : ''}: ${names.join(', ')}.`, {
        parameter: names[0] ?? null,
        parameters: names,
        location: 'querystring',
      });
    }
    const issues = err.validation.map((v) => ({ field: fieldOf(v), message: v.message ?? 'is invalid' }));
    const first = issues[0]!;
    return new ApiError(400, 'VALIDATION_ERROR', `${first.field}: ${first.message}`, {
      field: first.field,
      location: err.validationContext ?? 'body',
      issues,
    });
  }
  if (isOrgsyncError(err)) {
    const status = HTTP_STATUS_OF[err.code];
    // ORGANIZATION_BUSY's message names only the organization the client asked for.
    const shown = status < 500 || err.code === 'ORGANIZATION_BUSY';
    const message = shown ? err.message : (SERVER_SIDE_MESSAGE[status] ?? 'Something went wrong on our side. Quote the trace_id when reporting it.');
    const retryAfter = RETRY_AFTER_SECONDS_OF[err.code];
    const apiError = new ApiError(status, err.code, message);
    return retryAfter === undefined ? apiError : apiError.withHeaders({ 'retry-after': String(retryAfter) });
  }
  // The database's fault, one a later attempt may not meet (the connection lost or refused,
  // the pool out of connections, a deadlock retried to the end): the request's transaction
  // rolled back, and the client should come back: 503, not 500.
  if (isTransientDatabaseFault(err)) {
    return new ApiError(503, 'DATABASE_UNAVAILABLE', SERVER_SIDE_MESSAGE[503]!).withHeaders({ 'retry-after': String(RETRY_AFTER_SECONDS_OF.DATABASE_UNAVAILABLE) });
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

/**
 * The router's own errors (a URL it cannot decode, a path parameter over
 * maxParamLength): Fastify's `frameworkErrors` option, so they get the envelope
 * like everything else instead of Fastify's `FST_ERR_*` body.
 */
export function frameworkErrorHandler(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  reply.header('x-request-id', String(request.id));
  void sendError(request, reply, toApiError(err, request) ?? internalError());
}

/** A request the HTTP parser could not read at all (bad header, header too large): answered on the socket. */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: import('node:stream').Duplex): void {
  if (!socket.writable || err.code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
  const code = status === 431 ? 'HEADERS_TOO_LARGE' : 'BAD_REQUEST';
  const message = status === 431 ? 'The request headers are too large.' : 'The request could not be read as HTTP.';
  const body = JSON.stringify({
    success: false,
    error: { code, message, type: 'client_error', status, details: {}, trace_id: '', timestamp: `${new Date().toISOString().slice(0, 19)}Z` },
  });
  socket.end(
    `HTTP/1.1 ${status} ${status === 431 ? 'Request Header Fields Too Large' : 'Bad Request'}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

const internalError = () => new ApiError(500, 'INTERNAL_ERROR', 'Something went wrong on our side. Quote the trace_id when reporting it.');

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err, request, reply) => {
    const apiError = toApiError(err, request);
    if (apiError) {
      if (apiError.statusCode >= 500) request.log.error({ err }, 'request failed');
      return sendError(request, reply, apiError);
    }
    // Full detail in the log (with the request id), none in the response.
    request.log.error({ err }, 'unhandled error');
    return sendError(request, reply, internalError());
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(request, reply, new ApiError(404, 'ROUTE_NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}.`)),
  );
}
