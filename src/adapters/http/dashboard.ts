/**
 * Bull Board at /admin/queues, for admin tokens only.
 *
 * Browsers cannot send a bearer header on navigation, and the token must never
 * appear in a URL, so /admin/login takes the token in a POSTed form and sets a
 * session cookie: HTTP-only (no script can read it), SameSite=Strict (no other
 * site can make the browser send it, which is what protects Bull Board's
 * retry/clean buttons from cross-site requests), signed, and holding only the
 * token's id and an expiry. Every request re-checks that the token is still an
 * admin token and not revoked, so revoking the token ends its sessions.
 */
import { randomBytes } from 'node:crypto';
import fastifyCookie from '@fastify/cookie';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { principalById, verifyToken } from '../../app/tokens.js';
import type { AppDeps } from './deps.js';
import { ApiError, sendError } from './errors.js';
import { dashboardHooks } from './dashboardHooks.js';
import { loginPage } from './loginPage.js';

export const SESSION_COOKIE = 'orgsync_session';
const BOARD_PATH = '/admin/queues';
const LOGIN_PATH = '/admin/login';

function wantsHtml(request: FastifyRequest): boolean {
  return request.method === 'GET' && (request.headers.accept ?? '').includes('text/html');
}

export async function registerDashboard(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const ttlSeconds = deps.config.http.sessionTtlSeconds;
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
      const token = (request.body as Record<string, unknown> | undefined)?.token;
      const principal = typeof token === 'string' ? await verifyToken(deps.db, token.trim()) : undefined;
      if (!principal?.isAdmin) {
        request.log.info({ token_id: principal?.tokenId }, 'dashboard login refused');
        return page(reply, 401, principal ? 'That token is not an admin token.' : 'That token is not valid.');
      }
      const expires = Date.now() + ttlSeconds * 1000;
      request.log.info({ token_id: principal.tokenId }, 'dashboard login');
      return reply
        .setCookie(SESSION_COOKIE, `${principal.tokenId}.${expires}`, {
          signed: true,
          httpOnly: true,
          sameSite: 'strict',
          secure: request.protocol === 'https',
          path: '/admin',
          maxAge: ttlSeconds,
        })
        .redirect(BOARD_PATH, 303);
    });

    admin.post('/admin/logout', { schema: { hide: true } }, async (_request, reply) =>
      reply.clearCookie(SESSION_COOKIE, { path: '/admin' }).redirect(LOGIN_PATH, 303),
    );

    await admin.register(async (board) => {
      board.addHook('onRequest', async (request, reply) => {
        const principal = await sessionPrincipal(request, deps);
        if (principal) {
          request.principal = principal;
          return;
        }
        if (wantsHtml(request)) return reply.redirect(LOGIN_PATH, 303);
        return sendError(request, reply, new ApiError(401, 'UNAUTHORIZED', `Log in at ${LOGIN_PATH} with an admin token.`));
      });
      const serverAdapter = new FastifyAdapter();
      createBullBoard({
        queues: [
          new BullMQAdapter(deps.queue, {
            allowRetries: true,
            description: 'Import jobs. A job id is the id of the import run it processes (GET /v1/organizations/{org}/imports/{runId}).',
          }),
        ],
        serverAdapter,
        options: { uiConfig: { boardTitle: 'orgsync queues' }, handlerHooks: dashboardHooks(deps.db, deps.queue, board.log) },
      });
      serverAdapter.setBasePath(BOARD_PATH);
      await board.register(serverAdapter.registerPlugin(), { prefix: BOARD_PATH });
    });
  });
}

/** The admin behind a valid, unexpired session cookie whose token is still active. */
async function sessionPrincipal(request: FastifyRequest, deps: AppDeps) {
  const raw = request.cookies[SESSION_COOKIE];
  if (!raw) return undefined;
  const unsigned = request.unsignCookie(raw);
  if (!unsigned.valid || unsigned.value === null) return undefined;
  const m = /^(tok_[0-9A-Za-z]+)\.(\d+)$/.exec(unsigned.value);
  if (!m || Number(m[2]) < Date.now()) return undefined;
  const principal = await principalById(deps.db, m[1]!);
  return principal?.isAdmin ? principal : undefined;
}
