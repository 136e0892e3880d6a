/**
 * API tokens: creation (the secret is shown once, only its hash is kept) and
 * verification for the HTTP server.
 *
 * A token reads `<id>.<secret>`: the id (`tok_` + ULID) finds the row, then the
 * SHA-256 of the secret is compared in constant time. 32 random bytes make
 * guessing hopeless, so a plain fast hash is enough (no password KDF needed).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { type ApiTokenRecord, apiTokensRepo, type Db, organizationsRepo } from '../adapters/db/index.js';
import type { Organization } from '../core/model.js';
import { newTokenId } from '../ids.js';
import { OrgsyncError } from '../core/errors.js';

export interface Principal {
  tokenId: string;
  isAdmin: boolean;
  /** The organization the token is bound to (null: an admin token for every organization). */
  organizationId: string | null;
}

export interface CreatedToken {
  id: string;
  /** The only time the full token exists outside the caller's hands. */
  token: string;
  name: string;
  isAdmin: boolean;
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
  db: Db,
  input: { organizationCode?: string; isAdmin: boolean; name?: string },
): Promise<CreatedToken> {
  let organization: Organization | undefined;
  if (input.organizationCode !== undefined) {
    organization = await organizationsRepo(db).findByCode(input.organizationCode);
    if (!organization) throw new TokenSetupError(`organization "${input.organizationCode}" does not exist`);
  } else if (!input.isAdmin) {
    throw new TokenSetupError('an organization token needs --org CODE (or pass --admin for a token that acts on every organization)');
  }
  const id = newTokenId();
  const secret = randomBytes(32).toString('base64url');
  const name = input.name?.trim() || (input.isAdmin ? 'admin' : `${organization!.code} token`);
  await apiTokensRepo(db).insert({
    id,
    name,
    organizationId: organization?.id ?? null,
    isAdmin: input.isAdmin,
    secretSha256: sha256Hex(secret),
  });
  return {
    id,
    token: `${id}.${secret}`,
    name,
    isAdmin: input.isAdmin,
    organization: organization ? { id: organization.id, code: organization.code } : null,
  };
}

/** The principal a presented token stands for, or undefined (unknown, malformed, wrong secret or revoked). */
export async function verifyToken(db: Db, presented: string): Promise<Principal | undefined> {
  const dot = presented.indexOf('.');
  if (dot <= 0 || presented.length > 200) return undefined;
  const id = presented.slice(0, dot);
  if (!/^tok_[0-9A-Za-z]{1,40}$/.test(id)) return undefined;
  const record = await apiTokensRepo(db).findById(id);
  if (!record || record.revokedAt !== null) return undefined;
  return secretMatches(record, presented.slice(dot + 1)) ? principalOf(record) : undefined;
}

/** Loads a principal by token id alone: for dashboard sessions, which carry the id, never the secret. */
export async function principalById(db: Db, tokenId: string): Promise<Principal | undefined> {
  const record = await apiTokensRepo(db).findById(tokenId);
  return record && record.revokedAt === null ? principalOf(record) : undefined;
}

function secretMatches(record: ApiTokenRecord, secret: string): boolean {
  const expected = Buffer.from(record.secretSha256, 'hex');
  const actual = createHash('sha256').update(secret, 'utf8').digest();
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

function principalOf(record: ApiTokenRecord): Principal {
  return { tokenId: record.id, isAdmin: record.isAdmin, organizationId: record.organizationId };
}
