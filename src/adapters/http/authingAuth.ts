/**
 * The Authing face's scope (/api/v3): its signature check in place of the
 * bearer token, with the same failed-authentication accounting per address
 * as /v1 (addressLimit.ts) and the same per-token rate limit (the plugin is
 * global and keys on request.principal, set here before it runs), and its own
 * envelope for every failure (authingFaceErrors.ts).
 *
 * Order: onRequest refuses an address that keeps failing and a request with no
 * `authorization: authing ...` header before any body is read; preValidation
 * (the body is parsed by then, not yet validated, so it is what the client
 * signed) checks the signature, the date window and the nonce; the route then
 * checks the organization (organizationCode) against the key's.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type AuthingRefusal, verifyAuthingRequest } from '../../app/authingKeys.js';
import type { AddressLimit } from './addressLimit.js';
import { AUTHING_ERRORS, authingEnvelope, httpStatusOf } from './authingFaceErrors.js';
import { headerValue, NONCE_HEADER, parseAuthorization, requestStringToSign } from './authingSignature.js';
import type { AppDeps } from './deps.js';
import { ApiError } from './errors.js';
import { bindRequestLog } from './requestLog.js';
import { answerFor, faceApiError } from './faceScope.js';

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** How often one server process prunes expired nonces (a bounded delete by an index range). */
const PRUNE_EVERY_MS = 60_000;

const unauthorized = () =>
  new ApiError(401, 'UNAUTHORIZED', 'Sign the request as the Authing SDK does: "authorization: authing <accessKeyId>:<signature>" with a valid access key.');

const REFUSALS: Record<AuthingRefusal, () => ApiError> = {
  bad_signature: unauthorized,
  date_invalid: () => new ApiError(401, 'REQUEST_DATE_OUT_OF_WINDOW', 'Send the "date" header (an HTTP date) the signature covers.'),
  date_skew: () => new ApiError(401, 'REQUEST_DATE_OUT_OF_WINDOW', "The request's date is more than 15 minutes from the server's clock: check the client's clock."),
  nonce_invalid: () => new ApiError(401, 'UNAUTHORIZED', `Send the "${NONCE_HEADER}" header (8-64 letters, digits, - or _) the signature covers.`),
  nonce_reused: () => new ApiError(401, 'NONCE_REUSED', 'This signed request was already received (its nonce is used): sign every request anew.'),
  not_configured: () => new ApiError(500, 'AUTHING_KEYS_NOT_CONFIGURED', 'ORGSYNC_SECRET_KEY is not set: Authing access keys cannot be checked.'),
  key_unusable: () => new ApiError(500, 'AUTHING_KEYS_NOT_CONFIGURED', 'The access key was sealed under another ORGSYNC_SECRET_KEY (or its row is damaged).'),
};

/** The Authing envelope of a failure; the HTTP status is 200 unless the answer is 429 or 5xx. */
export function sendAuthingError(err: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const error = faceApiError(err, request);
  const answer = answerFor(AUTHING_ERRORS, error);
  if (answer.status >= 500) request.log.error({ err }, 'request failed');
  return reply
    .code(httpStatusOf(answer))
    .headers(error.headers)
    .type('application/json; charset=utf-8')
    .send(authingEnvelope(answer, error, String(request.id)));
}

function requireAuthingSignature(scope: FastifyInstance, deps: AppDeps, failures: AddressLimit): void {
  let lastPrune = 0;
  scope.addHook('onRequest', async (request) => {
    failures.check(request);
    if (!parseAuthorization(request.headers.authorization)) {
      failures.recordFailure(request);
      throw unauthorized();
    }
  });
  scope.addHook('preValidation', async (request) => {
    const auth = parseAuthorization(request.headers.authorization)!;
    const verdict = await verifyAuthingRequest(deps.repos, deps.config.http.secretKey, {
      accessKeyId: auth.accessKeyId,
      signature: auth.signature,
      stringToSign: requestStringToSign(request),
      date: headerValue(request, 'date'),
      nonce: headerValue(request, NONCE_HEADER),
    });
    if (!verdict.ok) {
      if (verdict.reason !== 'not_configured' && verdict.reason !== 'key_unusable') failures.recordFailure(request);
      throw REFUSALS[verdict.reason]();
    }
    request.principal = verdict.principal;
    // The token id (never the key's secret) in every later log line of the request.
    bindRequestLog(request, { token_id: verdict.principal.tokenId });
    if (verdict.principal.role === 'read' && !READ_METHODS.has(request.method)) {
      throw new ApiError(403, 'INSUFFICIENT_ROLE', 'This access key has the read role: it may read, not write. Create one with --role write or admin.');
    }
    const now = Date.now();
    if (now - lastPrune > PRUNE_EVERY_MS) {
      lastPrune = now;
      void deps.repos.tokens.pruneNonces(new Date(now)).catch((err: unknown) => request.log.warn({ err }, 'pruning Authing nonces failed'));
    }
  });
}

/** Registers the face under /api/v3: signature-authenticated, rate-limited, its envelope for every failure. */
export async function registerAuthingFace(app: FastifyInstance, deps: AppDeps, failures: AddressLimit, routes: (scope: FastifyInstance) => void): Promise<void> {
  await app.register(
    async (scope) => {
      requireAuthingSignature(scope, deps, failures);
      scope.removeContentTypeParser('text/plain');
      scope.setErrorHandler((err, request, reply) => sendAuthingError(err, request, reply));
      scope.setNotFoundHandler((request, reply) =>
        sendAuthingError(new ApiError(404, 'ROUTE_NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}.`), request, reply),
      );
      routes(scope);
    },
    { prefix: '/api/v3' },
  );
}
