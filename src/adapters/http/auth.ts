/**
 * Bearer-token authentication and organization scoping.
 *
 * Every route under /v1 requires `Authorization: Bearer <token>` (the hook is
 * installed on the whole /v1 scope, so a new route cannot forget it). An
 * organization token sees only its own organization: any other organization,
 * existing or not, answers 404 exactly like a missing one, so ids and codes
 * cannot be probed. Admin tokens may act on every organization.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { findOrganization } from '../../app/organizations.js';
import type { Repositories } from '../../app/ports.js';
import type { Principal } from '../../app/tokens.js';
import type { Organization } from '../../core/model.js';
import type { AddressLimit } from './addressLimit.js';
import { ApiError } from './errors.js';
import { bindRequestLog } from './requestLog.js';
import type { Authenticate } from './tokenCache.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the auth hook on every authenticated route. */
    principal?: Principal;
    /** The organization of the path's {org}, once resolved (see organizationFor). */
    organization?: Organization;
    /** The organization token's own organization, read with the token (saves organizationFor a query). */
    tokenOrganization?: Organization;
  }
}

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export const insufficientRole = (): ApiError =>
  new ApiError(403, 'INSUFFICIENT_ROLE', 'This token has the read role: it may read, not write. Use a token created with --role write or admin.');

export const unauthorized = (): ApiError =>
  new ApiError(401, 'UNAUTHORIZED', 'Send a valid API token as "Authorization: Bearer <token>".');

/** The token of an `Authorization: Bearer ...` header, if the header has that form. */
export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return m?.[1];
}

/** What the bearer-token check needs: built once per app (app.ts), shared by /v1, the seed faces and /metrics. */
export interface BearerGate {
  repos: Pick<Repositories, 'organizations'>;
  authenticate: Authenticate;
  /** Failed authentications per client address. */
  failures: AddressLimit;
}

/**
 * Installs, on every route of `scope`: the bearer-token check, and for routes
 * with an {org} path parameter the organization scope check. Both run in
 * onRequest (routing has filled in the params by then), so an organization
 * token gets its 404 for another organization before any body is read or
 * validated, whatever the route. Admins pass through: a route decides whether
 * an organization that does not exist yet may be created (imports).
 */
export function requireBearerToken(scope: FastifyInstance, { repos, authenticate, failures }: BearerGate): void {
  scope.addHook('onRequest', async (request) => {
    // An address that keeps failing is refused before its token costs a lookup.
    failures.check(request);
    const token = bearerToken(request);
    // Cached for a few seconds after a success (tokenCache.ts): the organization check below still runs every time.
    const found = token === undefined ? undefined : await authenticate(token);
    if (!found) {
      failures.recordFailure(request);
      throw unauthorized();
    }
    const { principal } = found;
    request.principal = principal;
    request.tokenOrganization = found.organization;
    // The token id (never the secret) in every later log line of the request.
    bindRequestLog(request, { token_id: principal.tokenId });
    // A read token reads: every write of every route is refused by method, so a new route cannot forget it.
    if (principal.role === 'read' && !READ_METHODS.has(request.method)) throw insufficientRole();
    const ref = (request.params as Record<string, unknown> | undefined)?.org;
    if (typeof ref === 'string' && !principal.isAdmin) await organizationFor(request, repos, ref);
  });
}

export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw unauthorized();
  return request.principal;
}

export const organizationNotFound = (ref: string): ApiError =>
  new ApiError(404, 'ORGANIZATION_NOT_FOUND', `No organization "${ref}".`, { organization: ref });

/** Whether the principal may act on the organization with this id. */
export function mayAccess(principal: Principal, organizationId: string): boolean {
  return principal.isAdmin || principal.organizationId === organizationId;
}

/**
 * The organization named in the path (its code, or its `org_...` id), if the
 * request's token may see it; otherwise 404, whether or not it exists.
 */
export async function organizationFor(request: FastifyRequest, repos: Pick<Repositories, 'organizations'>, ref: string): Promise<Organization> {
  const principal = principalOf(request);
  if (request.organization && (request.organization.code === ref || request.organization.id === ref)) return request.organization;
  // The token's own organization came with the token (same statement): no second query. Any other ref is looked up.
  const own = request.tokenOrganization;
  const org = own && (own.code === ref || own.id === ref) ? own : await findOrganization(repos, ref);
  if (!org || !mayAccess(principal, org.id)) throw organizationNotFound(ref);
  request.organization = org;
  return org;
}

export function requireAdmin(request: FastifyRequest): Principal {
  const principal = principalOf(request);
  if (!principal.isAdmin) throw new ApiError(403, 'ADMIN_REQUIRED', 'This needs an admin token.');
  return principal;
}
