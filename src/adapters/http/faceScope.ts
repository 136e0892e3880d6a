/**
 * What every seed face (the clients API, the HR app) shares: its own Fastify
 * scope outside /v1, with the same bearer-token check, failed-authentication
 * accounting and per-token rate limit as /v1 (the rate-limit plugin is global),
 * and its own error envelope.
 *
 * Errors are raised in the house vocabulary (ApiError codes, the registry's
 * row and thrown codes) and turned into the face's status and envelope by ONE
 * table per face (clientsFaceErrors.ts, hrFaceErrors.ts), keyed by code. The
 * table's type names every row code, every thrown code and every code the HTTP
 * layer raises, so the compiler holds each face to the registry; a code the
 * table does not know (a new ApiError code) falls back to its HTTP status.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { ROW_ERROR_CODES, type RowErrorCode, THROWN_ERROR_CODES, type ThrownErrorCode } from '../../core/errors.js';
import { type BearerGate, requireBearerToken } from './auth.js';
import { ApiError, type Details, HTTP_STATUS_OF, toApiError } from './errors.js';

/** The codes the HTTP layer and the face routes raise, besides the registry's. */
export const FACE_HTTP_CODES = [
  'UNAUTHORIZED',
  'INSUFFICIENT_ROLE',
  'CLIENT_ACCESS_DENIED',
  'ORGANIZATION_ADMIN_REQUIRED',
  'OPERATOR_TOKEN_HAS_NO_ORGANIZATION',
  'VALIDATION_ERROR',
  'UNKNOWN_FIELD',
  'UNKNOWN_PARAMETER',
  'INVALID_JSON',
  'INVALID_CONTENT_LENGTH',
  'BAD_REQUEST',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'ROUTE_NOT_FOUND',
  'DEPARTMENT_NOT_FOUND',
  'DEPARTMENT_HAS_CHILDREN',
  'PARENT_INACTIVE',
  'RATE_LIMITED',
] as const;

export type FaceErrorCode = RowErrorCode | ThrownErrorCode | (typeof FACE_HTTP_CODES)[number];

/** A face's answer to one code: its status, its code, and (unless the house message is kept) its message. */
export interface FaceAnswer {
  status: number;
  code: string;
  message?: string;
  /** The envelope's details (faces that have them); default: the field concerned, if any. */
  details?: (error: ApiError) => Details | undefined;
}

export type FaceErrorTable = Record<FaceErrorCode, FaceAnswer> & { fallback: (status: number) => FaceAnswer };

/** Every row code answered alike (the table then overrides the ones its document names). */
export function everyRowCode(answer: FaceAnswer): Record<RowErrorCode, FaceAnswer> {
  return Object.fromEntries(Object.keys(ROW_ERROR_CODES).map((c) => [c, answer])) as Record<RowErrorCode, FaceAnswer>;
}

/** Every thrown code by the status /v1 gives it (errors.ts), in the face's words for that status. */
export function everyThrownCode(byStatus: (status: number) => FaceAnswer): Record<ThrownErrorCode, FaceAnswer> {
  return Object.fromEntries(THROWN_ERROR_CODES.map((c) => [c, byStatus(HTTP_STATUS_OF[c])])) as Record<ThrownErrorCode, FaceAnswer>;
}

export function answerFor(table: FaceErrorTable, error: ApiError): FaceAnswer {
  return Object.hasOwn(table, error.code) ? table[error.code as FaceErrorCode] : table.fallback(error.statusCode);
}

const internalError = () => new ApiError(500, 'INTERNAL_ERROR', 'Something went wrong on our side.');

/**
 * The house ApiError of anything a face route throws. An unknown key (zod's
 * strict objects) is named as the field, as UNKNOWN_PARAMETER in a query and
 * UNKNOWN_FIELD in a body: never ignored, never a bare "(root)".
 */
export function faceApiError(err: unknown, request: FastifyRequest): ApiError {
  if (hasZodFastifySchemaValidationErrors(err)) {
    const first = err.validation[0]!;
    const keys = (first.params as { keys?: unknown } | undefined)?.keys;
    if (first.keyword === 'unrecognized_keys' && Array.isArray(keys) && typeof keys[0] === 'string') {
      const inQuery = err.validationContext === 'querystring';
      const key = keys[0];
      return new ApiError(400, inQuery ? 'UNKNOWN_PARAMETER' : 'UNKNOWN_FIELD', `Unknown ${inQuery ? 'query parameter' : 'field'} "${key}".`, {
        field: key,
        location: err.validationContext ?? 'body',
      });
    }
  }
  return toApiError(err, request) ?? internalError();
}

export interface FaceSpec {
  prefix: string;
  errors: FaceErrorTable;
  /** The face's error body for an answer (the status is the answer's). */
  envelope: (answer: FaceAnswer, error: ApiError) => unknown;
  routes: (scope: FastifyInstance) => void;
}

function sendFaceError(spec: FaceSpec, err: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const error = faceApiError(err, request);
  const answer = answerFor(spec.errors, error);
  if (answer.status >= 500) request.log.error({ err }, 'request failed');
  return reply.code(answer.status).headers(error.headers).type('application/json; charset=utf-8').send(spec.envelope(answer, error));
}

/** Registers a face under its prefix, authenticated and rate-limited exactly as /v1. */
export async function registerFace(app: FastifyInstance, gate: BearerGate, spec: FaceSpec): Promise<void> {
  await app.register(
    async (scope) => {
      requireBearerToken(scope, gate);
      // JSON only (Fastify also parses text/plain by default), as on /v1.
      scope.removeContentTypeParser('text/plain');
      scope.setErrorHandler((err, request, reply) => sendFaceError(spec, err, request, reply));
      scope.setNotFoundHandler((request, reply) =>
        sendFaceError(spec, new ApiError(404, 'ROUTE_NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}.`), request, reply),
      );
      spec.routes(scope);
    },
    { prefix: spec.prefix },
  );
}
