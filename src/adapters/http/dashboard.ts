/**
 * Bull Board at /admin/queues, for admin tokens only.
 *
 * Browsers cannot send a bearer header on navigation, and the token must never
 * appear in a URL, so /admin/login takes the token in a POSTed form and sets a
 * session cookie: HTTP-only (no script can read it), SameSite=Strict (no other
 * site can make the browser send it, which is what protects Bull Board's
 * retry/clean buttons from cross-site requests), signed, and holding only the
 * token's id, an expiry and a random session id. The session itself lives in
 * Redis (beside the queue the dashboard shows, so every server process shares
 * it): logout deletes it, so a copied cookie stops working at once. Every
 * request re-checks that the token is still an admin token and not revoked, so
 * revoking the token ends its sessions. The login refuses a cross-site POST
 * (login CSRF: another site logging a browser into the attacker's session).
 */
import { randomBytes } from 'node:crypto';
import fastifyCookie from '@fastify/cookie';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { principalById, verifyToken } from '../../app/tokens.js';
import type { AddressLimit } from './addressLimit.js';
import type { AppDeps } from './deps.js';
import { ApiError, sendError } from './errors.js';
import { BOARD_CSP, dashboardHooks, jobLabel, withoutExternalResources } from './dashboardHooks.js';
import { loginPage } from './loginPage.js';

export const SESSION_COOKIE = 'orgsync_session';
const BOARD_PATH = '/admin/queues';
const LOGIN_PATH = '/admin/login';

function wantsHtml(request: FastifyRequest): boolean {
  return request.method === 'GET' && (request.headers.accept ?? '').includes('text/html');
}

/**
 * Whether a form POST came from another site. Browsers send Origin on every
 * POST and Sec-Fetch-Site on every request; a client that sends neither (curl,
 * a script) is not a browser another site can drive.
 */
export function isCrossSite(request: FastifyRequest): boolean {
  // The browser's own verdict, when it gives one.
  const site = request.headers['sec-fetch-site'];
  if (typeof site === 'string') return site !== 'same-origin' && site !== 'none';
  const origin = request.headers.origin;
  if (origin === undefined) return false;
  // By host only: behind a TLS-terminating proxy the scheme seen here may differ from the browser's.
  try {
    return new URL(origin).host !== request.host;
  } catch {
    return true; // `Origin: null` (a sandboxed or privacy-sensitive context) and anything unparseable
  }
}

/** The queue's own Redis connection (BullMQ's Redis escape hatch). */
const redisOf = (deps: AppDeps) => (deps.queue.getBackend() as unknown as { client: Promise<import('ioredis').Redis> }).client;

/** Server-side sessions: one Redis key per session, expiring with it. */
function sessionStore(deps: AppDeps) {
  const key = (id: string) => `${deps.config.queue.prefix}:dashboard-session:${id}`;
  return {
    async create(tokenId: string, ttlSeconds: number): Promise<string> {
      const id = randomBytes(24).toString('base64url');
      await (await redisOf(deps)).set(key(id), tokenId, 'EX', ttlSeconds);
      return id;
    },
    async tokenOf(id: string): Promise<string | undefined> {
      return (await (await redisOf(deps)).get(key(id))) ?? undefined;
    },
    async end(id: string): Promise<void> {
      await (await redisOf(deps)).del(key(id));
    },
  };
}

const SESSION_VALUE = /^(tok_[0-9A-Za-z]+)\.(\d+)\.([A-Za-z0-9_-]{32})$/;

export async function registerDashboard(app: FastifyInstance, deps: AppDeps, failures: AddressLimit): Promise<void> {
  const ttlSeconds = deps.config.http.sessionTtlSeconds;
  const sessions = sessionStore(deps);
  await app.register(async (admin) => {
    await admin.register(fastifyCookie, { secret: deps.config.http.sessionSecret ?? randomBytes(32).toString('hex') });
    // The login form; small, and only on this scope.
    admin.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 4096 }, (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(String(body))));
    });

    const page = (reply: FastifyReply, status: number, error?: string) =>
      reply
        .code(status)
        .type('text/html; charset=utf-8')
        .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'")
        .header('cache-control', 'no-store')
        .send(loginPage(LOGIN_PATH, error));

    admin.get(LOGIN_PATH, { schema: { hide: true } }, async (_request, reply) => page(reply, 200));

    admin.post(LOGIN_PATH, { schema: { hide: true } }, async (request, reply) => {
      if (isCrossSite(request)) {
        request.log.warn({ origin: request.headers.origin ?? null, site: request.headers['sec-fetch-site'] ?? null }, 'cross-site dashboard login refused');
        return sendError(request, reply, new ApiError(403, 'CROSS_SITE_REQUEST', "The login form must be posted from this server's own page."));
      }
      failures.check(request);
      const token = (request.body as Record<string, unknown> | undefined)?.token;
      const principal = typeof token === 'string' ? await verifyToken(deps.repos, token.trim()) : undefined;
      if (!principal?.isAdmin) {
        failures.recordFailure(request);
        request.log.info({ token_id: principal?.tokenId }, 'dashboard login refused');
        return page(reply, 401, principal ? 'That token is not an admin token.' : 'That token is not valid.');
      }
      const expires = Date.now() + ttlSeconds * 1000;
      const sessionId = await sessions.create(principal.tokenId, ttlSeconds);
      request.log.info({ token_id: principal.tokenId }, 'dashboard login');
      return reply
        .setCookie(SESSION_COOKIE, `${principal.tokenId}.${expires}.${sessionId}`, {
          signed: true,
          httpOnly: true,
          sameSite: 'strict',
          secure: request.protocol === 'https',
          path: '/admin',
          maxAge: ttlSeconds,
        })
        .redirect(BOARD_PATH, 303);
    });

    // Ends the session on the server, not only in this browser: a copied cookie stops working too.
    admin.post('/admin/logout', { schema: { hide: true } }, async (request, reply) => {
      const session = sessionOf(request);
      if (session) await sessions.end(session.sessionId);
      return reply.clearCookie(SESSION_COOKIE, { path: '/admin' }).redirect(LOGIN_PATH, 303);
    });

    await admin.register(async (board) => {
      board.addHook('onRequest', async (request, reply) => {
        const principal = await sessionPrincipal(request, deps, sessions);
        if (principal) {
          request.principal = principal;
          return;
        }
        if (wantsHtml(request)) return reply.redirect(LOGIN_PATH, 303);
        return sendError(request, reply, new ApiError(401, 'UNAUTHORIZED', `Log in at ${LOGIN_PATH} with an admin token.`));
      });
      // Offline: no font (or anything else) from another host.
      board.addHook('onSend', async (_request, reply, payload) => {
        if (!String(reply.getHeader('content-type') ?? '').startsWith('text/html')) return payload;
        reply.header('content-security-policy', BOARD_CSP);
        return typeof payload === 'string' ? withoutExternalResources(payload) : payload;
      });
      const serverAdapter = new FastifyAdapter();
      const jobs = new BullMQAdapter(deps.queue, {
        allowRetries: true,
        description: 'Import jobs. A job id is the id of the import run it processes (GET /v1/organizations/{org}/imports/{runId}).',
      });
      // Cards named by organization and run: "import acme run_01J...".
      jobs.setFormatter('name', (job: { name?: string; data?: unknown }) => jobLabel(job));
      createBullBoard({
        queues: [jobs],
        serverAdapter,
        options: { uiConfig: { boardTitle: 'orgsync queues' }, handlerHooks: dashboardHooks(deps.repos, deps.queue, board.log) },
      });
      serverAdapter.setBasePath(BOARD_PATH);
      await board.register(serverAdapter.registerPlugin(), { prefix: BOARD_PATH });
    });
  });
}

/** The signed cookie's content, when the signature holds and it has not expired. */
function sessionOf(request: FastifyRequest): { tokenId: string; sessionId: string } | undefined {
  const raw = request.cookies[SESSION_COOKIE];
  if (!raw) return undefined;
  const unsigned = request.unsignCookie(raw);
  if (!unsigned.valid || unsigned.value === null) return undefined;
  const m = SESSION_VALUE.exec(unsigned.value);
  if (!m || Number(m[2]) < Date.now()) return undefined;
  return { tokenId: m[1]!, sessionId: m[3]! };
}

/** The admin behind a live session (not logged out, not expired) whose token is still active. */
async function sessionPrincipal(request: FastifyRequest, deps: AppDeps, sessions: ReturnType<typeof sessionStore>) {
  const session = sessionOf(request);
  if (!session || (await sessions.tokenOf(session.sessionId)) !== session.tokenId) return undefined;
  const principal = await principalById(deps.repos, session.tokenId);
  return principal?.isAdmin ? principal : undefined;
}
