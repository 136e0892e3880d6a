/**
 * API tokens: creation (the secret is shown once, only its hash is kept) and
 * verification for the HTTP server.
 *
 * A token reads `<id>.<secret>`: the id (`tok_` + ULID) finds the row, then the
 * SHA-256 of the secret is compared in constant time. 32 random bytes make
 * guessing hopeless, so a plain fast hash is enough (no password KDF needed).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Organization } from '../core/model.js';
import { newTokenId } from '../ids.js';
import { OrgsyncError } from '../core/errors.js';
import type { TokenRole } from '../core/tokenRoles.js';
import type { ApiTokenRecord, Repositories } from './ports.js';

export interface Principal {
  tokenId: string;
  isAdmin: boolean;
  /** The organization the token is bound to (null: an admin token for every organization). */
  organizationId: string | null;
  /** Organization tokens: read, write or admin (docs/api.md, "Roles"); admin tokens are 'admin'. */
  role: TokenRole;
  /** May approve held runs (role admin, an admin token, or created with --can-approve). */
  canApprove: boolean;
}

export interface CreatedToken {
  id: string;
  /** The only time the full token exists outside the caller's hands. */
  token: string;
  name: string;
  isAdmin: boolean;
  role: TokenRole;
  canApprove: boolean;
  organization: Pick<Organization, 'id' | 'code'> | null;
}

export class TokenSetupError extends OrgsyncError {
  override readonly name = 'TokenSetupError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('TOKEN_SETUP_FAILED', message, { ...options });
  }
}

const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

export async function createToken(
  { organizations, tokens }: Pick<Repositories, 'organizations' | 'tokens'>,
  input: { organizationCode?: string; isAdmin: boolean; name?: string; role?: TokenRole; canApprove?: boolean },
): Promise<CreatedToken> {
  let organization: Organization | undefined;
  if (input.organizationCode !== undefined) {
    organization = await organizations.findByCode(input.organizationCode);
    if (!organization) throw new TokenSetupError(`organization "${input.organizationCode}" does not exist`);
  } else if (!input.isAdmin) {
    throw new TokenSetupError('an organization token needs --org CODE (or pass --admin for a token that acts on every organization)');
  }
  if (input.isAdmin && input.role !== undefined && input.role !== 'admin') {
    throw new TokenSetupError('--admin makes the global operator token: it takes no --role (or use --role admin without --admin for an organization admin)');
  }
  const role: TokenRole = input.isAdmin ? 'admin' : (input.role ?? 'write');
  if (role === 'read' && input.canApprove) throw new TokenSetupError('a read token cannot approve: --can-approve needs --role write or admin');
  const canApprove = input.canApprove ?? false;
  const id = newTokenId();
  const secret = randomBytes(32).toString('base64url');
  const name = input.name?.trim() || (input.isAdmin ? 'admin' : `${organization!.code} token`);
  await tokens.insert({
    id,
    name,
    organizationId: organization?.id ?? null,
    isAdmin: input.isAdmin,
    role,
    canApprove,
    secretSha256: sha256Hex(secret),
  });
  return {
    id,
    token: `${id}.${secret}`,
    name,
    isAdmin: input.isAdmin,
    role,
    // What the token may do, as principalOf will see it (the admin role approves whatever the flag).
    canApprove: input.isAdmin || role === 'admin' || canApprove,
    organization: organization ? { id: organization.id, code: organization.code } : null,
  };
}

/** The principal a presented token stands for, or undefined (unknown, malformed, wrong secret or revoked). */
export async function verifyToken(repos: Pick<Repositories, 'tokens'>, presented: string): Promise<Principal | undefined> {
  return (await authenticateToken(repos, presented))?.principal;
}

/**
 * verifyToken plus the token's own organization, read in the same statement.
 * Not cached here; the HTTP server caches successes for a few seconds
 * (adapters/http/tokenCache.ts), which is its revocation delay.
 */
export async function authenticateToken(
  { tokens }: Pick<Repositories, 'tokens'>,
  presented: string,
): Promise<{ principal: Principal; organization: Organization | undefined } | undefined> {
  const dot = presented.indexOf('.');
  if (dot <= 0 || presented.length > 200) return undefined;
  const id = presented.slice(0, dot);
  if (!/^tok_[0-9A-Za-z]{1,40}$/.test(id)) return undefined;
  const found = await tokens.findByIdWithOrganization(id);
  if (!found || found.token.revokedAt !== null) return undefined;
  return secretMatches(found.token, presented.slice(dot + 1)) ? { principal: principalOf(found.token), organization: found.organization } : undefined;
}

/** Loads a principal by token id alone: for dashboard sessions, which carry the id, never the secret. */
export async function principalById({ tokens }: Pick<Repositories, 'tokens'>, tokenId: string): Promise<Principal | undefined> {
  const record = await tokens.findById(tokenId);
  return record && record.revokedAt === null ? principalOf(record) : undefined;
}

/** false when there is no such token or it was already revoked. */
export function revokeToken({ tokens }: Pick<Repositories, 'tokens'>, tokenId: string): Promise<boolean> {
  return tokens.revoke(tokenId);
}

/** Every token without its hash, with the code of the organization it acts for. */
export async function listTokens({ tokens, organizations }: Pick<Repositories, 'tokens' | 'organizations'>) {
  const records = await tokens.list();
  const codes = new Map((await organizations.list()).map((o) => [o.id, o.code]));
  return records.map(({ secretSha256: _hash, secretCiphertext: _sealed, ...t }) => ({ ...t, organizationCode: t.organizationId ? (codes.get(t.organizationId) ?? null) : null }));
}

function secretMatches(record: ApiTokenRecord, secret: string): boolean {
  const expected = Buffer.from(record.secretSha256, 'hex');
  const actual = createHash('sha256').update(secret, 'utf8').digest();
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

export function principalOf(record: ApiTokenRecord): Principal {
  const role: TokenRole = record.isAdmin ? 'admin' : record.role;
  return { tokenId: record.id, isAdmin: record.isAdmin, organizationId: record.organizationId, role, canApprove: record.isAdmin || role === 'admin' || record.canApprove };
}
