/**
 * The HTTP API as a Fastify app. buildApp() only wires: every dependency with
 * a lifetime comes in through `deps` (see deps.ts), so tests drive the app
 * with app.inject() and `orgsync serve` adds nothing but listen() and signals.
 *
 * Layout:
 *   /healthz, /readyz            public (orchestrators)
 *   /openapi.json, /docs         public (the API reference)
 *   /v1/...                      bearer token on every route (one hook on the scope)
 *   /v2/clients/..., /department/...  the seed faces (faceScope.ts): same token check, own envelopes
 *   /api/v3/...                  the Authing face (authingAuth.ts): the Authing SDK's signature, own envelope
 *   /admin/login, /admin/queues  the Bull Board dashboard, admin session cookie
 */
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { pino } from 'pino';
import { validatorCompiler } from 'fastify-type-provider-zod';
import { newUlid } from '../../ids.js';
import { boundedErrorSerializer } from '../logSerializers.js';
import { addressLimit } from './addressLimit.js';
import { type BearerGate, requireBearerToken } from './auth.js';
import { registerDashboard } from './dashboard.js';
import type { AppDeps } from './deps.js';
import { ApiError, clientErrorHandler, frameworkErrorHandler, installErrorHandling } from './errors.js';
import { installJsonBodyParser } from './jsonBody.js';
import { registerOpenApi } from './openapi.js';
import { OneLineLogController } from './requestLog.js';
import { serializerCompiler } from './serializer.js';
import { cachedAuthentication } from './tokenCache.js';
import { departmentRoutes } from './routes/departments.js';
import { departmentListingRoutes } from './routes/departmentListing.js';
import { departmentWriteRoutes } from './routes/departmentWrites.js';
import { departmentMemberRoutes } from './routes/departmentMembers.js';
import { reparentRoutes } from './routes/reparent.js';
import { exportRoutes } from './routes/export.js';
import { healthRoutes } from './routes/health.js';
import { importRoutes } from './routes/imports.js';
import { runRoutes } from './routes/runs.js';
import { runPlanRoutes } from './routes/runPlan.js';
import { scheduleRoutes } from './routes/schedules.js';
import { webhookRoutes } from './routes/webhooks.js';
import { historyRoutes } from './routes/history.js';
import { registerMetrics } from './routes/metrics.js';
import { registerAuthingFace } from './authingAuth.js';
import { authingFaceRoutes } from './routes/authingFace.js';
import { clientsEnvelope, CLIENTS_ERRORS } from './clientsFacePresenter.js';
import { registerFace } from './faceScope.js';
import { HR_ERRORS, hrEnvelope } from './hrFacePresenter.js';
import { clientsFaceRoutes } from './routes/clientsFace.js';
import { hrFaceRoutes } from './routes/hrFace.js';

export interface RouteEntry {
  method: string;
  url: string;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route registered, for the test that checks none skips authentication. */
    routeTable: RouteEntry[];
  }
}

/** A client's own X-Request-Id is kept when it is tame (it ends up in logs); otherwise we make one. */
const CLIENT_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

function requestId(req: { headers: Record<string, string | string[] | undefined> }): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && CLIENT_REQUEST_ID.test(given) ? given : `req_${newUlid()}`;
}

/**
 * With no stream given (`orgsync serve` off a terminal), JSON lines go to
 * stdout as Fastify's default logger sends them, but gathered: Fastify's
 * default issues a write(2) (through libuv's thread pool) for nearly every
 * request line, which cost more of a busy server's CPU than the line itself.
 * Lines wait until LOG_BUFFER_BYTES (about a dozen request lines) or
 * LOG_FLUSH_MS have passed, and are flushed at exit (pino's exit handler).
 */
const LOG_BUFFER_BYTES = 4096;
const LOG_FLUSH_MS = 200;

function loggerOptions(deps: AppDeps) {
  if (deps.logger === false) return false;
  const { level, stream } = deps.logger ?? { level: 'info' };
  // Secrets never reach a log line: tokens and session cookies are censored
  // wherever a serializer might put them.
  return {
    level,
    stream: stream ?? pino.destination({ dest: 1, minLength: LOG_BUFFER_BYTES, periodicFlush: LOG_FLUSH_MS }),
    // A database error's SQL and bindings (an upload's bytes) are trimmed, never logged whole.
    serializers: { err: boundedErrorSerializer },
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]', 'headers.authorization', 'headers.cookie'],
      censor: '[redacted]',
    },
  };
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: loggerOptions(deps),
    genReqId: requestId,
    requestIdHeader: false,
    // One line per request (requestLog.ts).
    logController: new OneLineLogController({ requestIdLogLabel: 'request_id' }),
    trustProxy: deps.config.http.trustProxy,
    // The default for every route: small. Upload routes raise their own.
    bodyLimit: deps.config.http.jsonBodyLimit,
    return503OnClosing: true,
    // Organization codes are up to 191 characters; a longer parameter is refused in the envelope (414).
    routerOptions: { maxParamLength: 1024 },
    // The router's and the HTTP parser's own errors get the envelope too.
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler,
  });
  app.decorate('routeTable', [] as RouteEntry[]);
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) if (method !== 'HEAD') app.routeTable.push({ method, url: route.url });
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandling(app);
  installJsonBodyParser(app);
  // A callback hook, not an async one: no promise per response for one header.
  app.addHook('onSend', (request, reply, payload, done) => {
    reply.header('x-request-id', String(request.id));
    done(null, payload);
  });

  // Per client address before authentication: counts failed authentications
  // (addressLimit.ts). Per token after it: the plugin below.
  const failedAuthentications = addressLimit(deps.config.http.rateLimit.max, deps.config.http.rateLimit.windowMs);
  // Successful token lookups are reused for a few seconds (tokenCache.ts: the revocation delay it costs).
  const authenticate = cachedAuthentication(deps.repos, { ttlSeconds: deps.config.http.tokenCacheSeconds });
  const gate: BearerGate = { repos: deps.repos, authenticate, failures: failedAuthentications };
  await app.register(rateLimit, {
    global: true,
    hook: 'preHandler',
    max: deps.config.http.rateLimit.max,
    timeWindow: deps.config.http.rateLimit.windowMs,
    keyGenerator: (request: FastifyRequest) => request.principal?.tokenId ?? request.ip,
    errorResponseBuilder: (_request, context) =>
      new ApiError(429, 'RATE_LIMITED', `Too many requests for this token; retry in ${context.after}.`, {
        limit: context.max,
        retry_after: context.after,
      }),
  });
  await registerOpenApi(app);

  healthRoutes(app, deps);
  await app.register(
    async (v1) => {
      requireBearerToken(v1, gate);
      // JSON only on this scope (Fastify also parses text/plain by default);
      // the imports scope below installs its own parsers for uploads.
      v1.removeContentTypeParser('text/plain');
      departmentRoutes(v1, deps);
      departmentListingRoutes(v1, deps);
      departmentWriteRoutes(v1, deps);
      departmentMemberRoutes(v1, deps);
      reparentRoutes(v1, deps);
      exportRoutes(v1, deps);
      runRoutes(v1, deps);
      runPlanRoutes(v1, deps);
      scheduleRoutes(v1, deps);
      webhookRoutes(v1, deps);
      historyRoutes(v1, deps);
      await v1.register(async (uploads) => importRoutes(uploads, deps));
    },
    { prefix: '/v1' },
  );
  // The seed faces (docs/api.md): their own paths and envelopes, the same token check, address accounting and rate limit.
  await registerFace(app, gate, { prefix: '/v2/clients', errors: CLIENTS_ERRORS, envelope: clientsEnvelope, routes: (s) => clientsFaceRoutes(s, deps) });
  await registerFace(app, gate, { prefix: '/department', errors: HR_ERRORS, envelope: hrEnvelope, routes: (s) => hrFaceRoutes(s, deps) });
  await registerAuthingFace(app, deps, failedAuthentications, authingFaceRoutes(deps));
  await registerMetrics(app, deps, gate);
  await registerDashboard(app, deps, failedAuthentications);
  return app;
}
