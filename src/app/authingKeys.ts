/**
 * Authing-style access keys (the Authing/GenAuth face, issue 12): an access key
 * id and secret that the unmodified Authing SDK signs its requests with
 * (HMAC-SHA1, adapters/http/authingSignature.ts builds what it signs).
 *
 * A key is an API token row (organization, role, revocation as any token) with
 * an `access_key_id` and the secret sealed under the server key (secretBox.ts):
 * the server needs the secret itself to recompute a signature, so a hash would
 * not do. Its `secret_sha256` is the hash of a random value that is thrown
 * away, so the key is never a bearer token.
 *
 * A signed request is accepted once: its date must be within DATE_WINDOW_MS of
 * the server's clock, and its nonce is recorded in the database until that
 * date leaves the window (a replay inside the window is refused by every
 * server process; after it, by the date check).
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { TokenRole } from '../core/tokenRoles.js';
import { newTokenId } from '../ids.js';
import type { Repositories } from './ports.js';
import { keyFingerprint, open, seal, sealedWith } from './secretBox.js';
import { type Principal, principalOf, TokenSetupError } from './tokens.js';

/** How far a request's `date` may be from the server's clock, either way. */
export const DATE_WINDOW_MS = 15 * 60 * 1000;

const ACCESS_KEY_ID = /^[0-9a-f]{24}$/;
/** The SDK sends an MD5 hex; other clients get some room, but a nonce is short and plain. */
const NONCE = /^[A-Za-z0-9_-]{8,64}$/;

export interface CreatedAuthingKey {
  id: string;
  accessKeyId: string;
  /** Shown once; stored only sealed. */
  accessKeySecret: string;
  name: string;
  role: TokenRole;
  organization: { id: string; code: string };
}

export const MISSING_SECRET_KEY =
  'Authing access keys need ORGSYNC_SECRET_KEY (32 random bytes, e.g. `openssl rand -base64 32`): their secrets are stored encrypted under it';

export async function createAuthingKey(
  { organizations, tokens }: Pick<Repositories, 'organizations' | 'tokens'>,
  input: { organizationCode?: string; role?: TokenRole; name?: string; isAdmin?: boolean; canApprove?: boolean },
  secretKey: Buffer | undefined,
): Promise<CreatedAuthingKey> {
  if (input.isAdmin) throw new TokenSetupError('an Authing access key belongs to one organization: use --org CODE, not --admin');
  if (input.canApprove) throw new TokenSetupError('an Authing access key manages departments only: it takes no --can-approve');
  if (input.organizationCode === undefined) throw new TokenSetupError('an Authing access key needs --org CODE');
  if (!secretKey) throw new TokenSetupError(MISSING_SECRET_KEY);
  const organization = await organizations.findByCode(input.organizationCode);
  if (!organization) throw new TokenSetupError(`organization "${input.organizationCode}" does not exist`);
  const id = newTokenId();
  const accessKeyId = randomBytes(12).toString('hex');
  const accessKeySecret = randomBytes(32).toString('base64url');
  const role = input.role ?? 'write';
  const name = input.name?.trim() || `${organization.code} authing key`;
  await tokens.insert({
    id,
    name,
    organizationId: organization.id,
    isAdmin: false,
    role,
    canApprove: false,
    // Not the secret's hash: the key must never pass as a bearer token.
    secretSha256: createHash('sha256').update(randomBytes(32)).digest('hex'),
    accessKeyId,
    secretCiphertext: seal(secretKey, accessKeySecret, accessKeyId),
  });
  return { id, accessKeyId, accessKeySecret, name, role, organization: { id: organization.id, code: organization.code } };
}

/** What the signature check read from the request. */
export interface SignedRequest {
  accessKeyId: string;
  /** base64, as the SDK's buildSignature makes it. */
  signature: string;
  /** adapters/http/authingSignature.ts: method, x-authing-* and date headers, resource. */
  stringToSign: string;
  date: string | undefined;
  nonce: string | undefined;
}

export type AuthingRefusal =
  /** Unknown, revoked or malformed key, or a signature that does not match: one answer, so key ids cannot be probed. */
  | 'bad_signature'
  | 'date_invalid'
  | 'date_skew'
  | 'nonce_invalid'
  | 'nonce_reused'
  /** Server-side: no ORGSYNC_SECRET_KEY, or not the one that sealed the key. */
  | 'not_configured'
  | 'key_unusable';

export type AuthingVerdict = { ok: true; principal: Principal } | { ok: false; reason: AuthingRefusal };

export async function verifyAuthingRequest(
  { tokens }: Pick<Repositories, 'tokens'>,
  secretKey: Buffer | undefined,
  req: SignedRequest,
  now: Date = new Date(),
): Promise<AuthingVerdict> {
  const date = req.date === undefined ? Number.NaN : Date.parse(req.date);
  if (!Number.isFinite(date)) return { ok: false, reason: 'date_invalid' };
  if (Math.abs(now.getTime() - date) > DATE_WINDOW_MS) return { ok: false, reason: 'date_skew' };
  if (req.nonce === undefined || !NONCE.test(req.nonce)) return { ok: false, reason: 'nonce_invalid' };
  if (!ACCESS_KEY_ID.test(req.accessKeyId)) return { ok: false, reason: 'bad_signature' };
  const record = await tokens.findByAccessKeyId(req.accessKeyId);
  if (!record || record.revokedAt !== null || !record.secretCiphertext) return { ok: false, reason: 'bad_signature' };
  if (!secretKey) return { ok: false, reason: 'not_configured' };
  const opened = open(secretKey, record.secretCiphertext, req.accessKeyId);
  if (!opened.ok) return { ok: false, reason: 'key_unusable' };
  if (!signatureMatches(opened.plaintext, req.stringToSign, req.signature)) return { ok: false, reason: 'bad_signature' };
  // Only a genuine request spends its nonce (a forger cannot burn a client's nonces).
  if (!(await tokens.claimNonce(req.accessKeyId, req.nonce, new Date(date + DATE_WINDOW_MS)))) return { ok: false, reason: 'nonce_reused' };
  return { ok: true, principal: principalOf(record) };
}

/** HMAC-SHA1 of the string to sign under the secret, compared in constant time. */
export function signatureMatches(secret: string, stringToSign: string, presented: string): boolean {
  const expected = createHmac('sha1', secret).update(Buffer.from(stringToSign, 'utf8')).digest();
  if (!/^[A-Za-z0-9+/]{27}=$/.test(presented)) return false;
  const actual = Buffer.from(presented, 'base64');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/**
 * For `orgsync serve` at start-up: every active access key must be usable
 * with the configured server key, or the server refuses to start (a clear
 * message now, not a 500 on the first signed request).
 */
export async function authingKeysProblem({ tokens }: Pick<Repositories, 'tokens'>, secretKey: Buffer | undefined): Promise<string | undefined> {
  const keys = (await tokens.list()).filter((t) => t.revokedAt === null && t.secretCiphertext);
  if (keys.length === 0) return undefined;
  if (!secretKey) return `${keys.length} active Authing access key(s) exist (e.g. ${keys[0]!.id}), but ${MISSING_SECRET_KEY}`;
  const fingerprint = keyFingerprint(secretKey);
  const other = keys.filter((k) => sealedWith(k.secretCiphertext!) !== fingerprint);
  if (other.length === 0) return undefined;
  return `${other.length} active Authing access key(s) (e.g. ${other[0]!.id}) were sealed under another ORGSYNC_SECRET_KEY than the configured one: restore that key, or revoke them and create new ones`;
}
