/**
 * The Authing face's signature check against the Authing Node SDK's own
 * signing code (authing-node-sdk/dist/utils/buildSignature.js, unmodified):
 * the server rebuilds exactly the string the SDK signs, for POST bodies (nested
 * objects, arrays, booleans, null, non-ASCII) and GET queries as they arrive on
 * the wire; the HMAC compare accepts the SDK's signature and nothing else; the
 * secret box seals and opens only under its key and row; the verifier refuses
 * an old date and a reused nonce.
 */
import { createRequire } from 'node:module';
import type { FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import { DATE_WINDOW_MS, signatureMatches, verifyAuthingRequest } from '../../src/app/authingKeys.js';
import type { ApiTokenRecord } from '../../src/app/ports.js';
import { keyFingerprint, open, seal } from '../../src/app/secretBox.js';
import { parseAuthorization, requestStringToSign } from '../../src/adapters/http/authingSignature.js';

interface SdkSigning {
  buildStringToSign(method: string, uri: string, headers: Record<string, string>, query: Record<string, unknown>): string;
  buildSignature(secret: string, stringToSign: string): string;
  buildAuthorization(id: string, secret: string, stringToSign: string): string;
  DEFAULT_HEADERS(): Record<string, string>;
}
const sdk = createRequire(import.meta.url)('authing-node-sdk/dist/utils/buildSignature.js') as SdkSigning;

/** The headers the SDK's ManagementHttpClient sends (DEFAULT_HEADERS, lang, date), lower-case as Node receives them. */
function sdkHeaders(): Record<string, string> {
  return { ...sdk.DEFAULT_HEADERS(), 'x-authing-lang': 'zh-CN', date: new Date().toUTCString() };
}

const fakeRequest = (method: string, url: string, headers: Record<string, string>, body?: unknown) =>
  ({ method, url, headers: { ...headers, host: '127.0.0.1', 'content-length': '10' }, body }) as unknown as FastifyRequest;

describe('the string to sign, as the SDK builds it', () => {
  it('POST: the JSON body as the server parsed it, nested values as JSON text', () => {
    const data = {
      organizationCode: 'steamory',
      name: 'Développement 研发',
      parentDepartmentId: 'root',
      isVirtualNode: false,
      i18n: { name: { 'zh-CN': { enabled: false, value: '中文' } } },
      postIdList: ['a', 'b'],
      description: null,
      membersCount: 3,
      code: 'a&b=c',
    };
    const headers = sdkHeaders();
    const expected = sdk.buildStringToSign('POST', '/api/v3/create-department', headers, data);
    // What arrives: the JSON text, parsed again.
    const ours = requestStringToSign(fakeRequest('POST', '/api/v3/create-department', headers, JSON.parse(JSON.stringify(data))));
    expect(ours).toBe(expected);
    expect(ours.startsWith('POST\ndate:')).toBe(true);
  });

  it('GET: the query as it arrives (encoded on the wire, decoded here), undefined fields left out as the SDK leaves them', () => {
    const params = { organizationCode: 'steamory', departmentId: 'a b+c/é', departmentCode: undefined, departmentIdType: 'department_id', withCustomData: false };
    const headers = sdkHeaders();
    const expected = sdk.buildStringToSign('GET', '/api/v3/get-department', headers, params);
    const wire = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== undefined).map(([k, v]): [string, string] => [k, String(v)])).toString();
    expect(requestStringToSign(fakeRequest('GET', `/api/v3/get-department?${wire}`, headers))).toBe(expected);
    expect(requestStringToSign(fakeRequest('GET', '/api/v3/get-department', headers))).toBe(sdk.buildStringToSign('GET', '/api/v3/get-department', headers, {}));
  });

  it('a header changed in transit, a body field added or a path changed gives another string', () => {
    const headers = sdkHeaders();
    const data = { organizationCode: 'steamory', name: 'X' };
    const expected = sdk.buildStringToSign('POST', '/api/v3/create-department', headers, data);
    expect(requestStringToSign(fakeRequest('POST', '/api/v3/create-department', { ...headers, 'x-authing-signature-nonce': 'other' }, data))).not.toBe(expected);
    expect(requestStringToSign(fakeRequest('POST', '/api/v3/create-department', headers, { ...data, code: 'X' }))).not.toBe(expected);
    expect(requestStringToSign(fakeRequest('POST', '/api/v3/update-department', headers, data))).not.toBe(expected);
  });
});

describe('the signature compare and the authorization header', () => {
  it("accepts the SDK's signature, refuses another secret, a changed string and malformed values", () => {
    const secret = 'c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA';
    const sts = sdk.buildStringToSign('POST', '/api/v3/create-department', sdkHeaders(), { name: 'X' });
    const sig = sdk.buildSignature(secret, sts);
    expect(signatureMatches(secret, sts, sig)).toBe(true);
    expect(signatureMatches(`${secret}x`, sts, sig)).toBe(false);
    expect(signatureMatches(secret, `${sts}x`, sig)).toBe(false);
    for (const bad of ['', 'AAAA', `${sig}=`, sig.slice(1), sig.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'))]) expect(signatureMatches(secret, sts, bad)).toBe(false);
    const header = sdk.buildAuthorization('0123456789abcdef01234567', secret, sts);
    expect(parseAuthorization(header)).toEqual({ accessKeyId: '0123456789abcdef01234567', signature: sig });
    for (const bad of [undefined, '', 'Bearer x', 'authing nocolon', `AUTHING a:${sig}`, `authing a:${sig} x`]) expect(parseAuthorization(bad)).toBeUndefined();
  });
});

describe('the secret box', () => {
  const key = Buffer.alloc(32, 7);
  it('opens only under the key and the row it was sealed for, and never holds the plain text', () => {
    const sealed = seal(key, 'the-secret', 'abc');
    expect(sealed).not.toContain('the-secret');
    expect(sealed.split('.')[1]).toBe(keyFingerprint(key));
    expect(open(key, sealed, 'abc')).toEqual({ ok: true, plaintext: 'the-secret' });
    expect(open(Buffer.alloc(32, 8), sealed, 'abc')).toEqual({ ok: false, reason: 'wrong_key' });
    expect(open(key, sealed, 'abd')).toEqual({ ok: false, reason: 'corrupt' });
    expect(open(key, sealed.slice(0, -2), 'abc')).toEqual({ ok: false, reason: 'corrupt' });
  });
});

describe('verifyAuthingRequest', () => {
  const key = Buffer.alloc(32, 9);
  const accessKeyId = '0123456789abcdef01234567';
  const secret = 'the-access-key-secret';
  const record: ApiTokenRecord = {
    id: 'tok_1',
    name: 'k',
    organizationId: 'org_1',
    isAdmin: false,
    role: 'read',
    canApprove: false,
    secretSha256: '00',
    accessKeyId,
    secretCiphertext: seal(key, secret, accessKeyId),
    createdAt: '2026-01-01T00:00:00.000Z',
    revokedAt: null,
  };
  const nonces = new Set<string>();
  const tokens = {
    findByAccessKeyId: async (id: string) => (id === accessKeyId ? record : undefined),
    claimNonce: async (id: string, nonce: string) => !nonces.has(`${id}/${nonce}`) && Boolean(nonces.add(`${id}/${nonce}`)),
  } as unknown as Parameters<typeof verifyAuthingRequest>[0]['tokens'];
  const signed = (date: Date, nonce: string, s = secret) => {
    const sts = `POST\ndate:${date.toUTCString()}\nx-authing-signature-nonce:${nonce}\n/api/v3/create-department`;
    return { accessKeyId, signature: sdk.buildSignature(s, sts), stringToSign: sts, date: date.toUTCString(), nonce };
  };

  it('accepts a fresh request once, with the key\'s organization and role; refuses its replay, an old or future date, a bad signature', async () => {
    const now = new Date();
    const first = await verifyAuthingRequest({ tokens }, key, signed(now, 'nonce-0001'), now);
    expect(first).toMatchObject({ ok: true, principal: { tokenId: 'tok_1', organizationId: 'org_1', role: 'read', isAdmin: false } });
    expect(await verifyAuthingRequest({ tokens }, key, signed(now, 'nonce-0001'), now)).toEqual({ ok: false, reason: 'nonce_reused' });
    const old = new Date(now.getTime() - DATE_WINDOW_MS - 60_000);
    expect(await verifyAuthingRequest({ tokens }, key, signed(old, 'nonce-0002'), now)).toEqual({ ok: false, reason: 'date_skew' });
    const future = new Date(now.getTime() + DATE_WINDOW_MS + 60_000);
    expect(await verifyAuthingRequest({ tokens }, key, signed(future, 'nonce-0003'), now)).toEqual({ ok: false, reason: 'date_skew' });
    expect(await verifyAuthingRequest({ tokens }, key, signed(now, 'nonce-0004', 'wrong'), now)).toEqual({ ok: false, reason: 'bad_signature' });
    // A forged request did not spend the nonce: the genuine one still passes.
    expect((await verifyAuthingRequest({ tokens }, key, signed(now, 'nonce-0004'), now)).ok).toBe(true);
    expect(await verifyAuthingRequest({ tokens }, key, { ...signed(now, 'nonce-0005'), accessKeyId: 'ffffffffffffffffffffffff' }, now)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(await verifyAuthingRequest({ tokens }, undefined, signed(now, 'nonce-0006'), now)).toEqual({ ok: false, reason: 'not_configured' });
    expect(await verifyAuthingRequest({ tokens }, Buffer.alloc(32, 1), signed(now, 'nonce-0007'), now)).toEqual({ ok: false, reason: 'key_unusable' });
    expect(await verifyAuthingRequest({ tokens }, key, { ...signed(now, 'x'), nonce: 'x' }, now)).toEqual({ ok: false, reason: 'nonce_invalid' });
    expect(await verifyAuthingRequest({ tokens }, key, { ...signed(now, 'nonce-0008'), date: 'yesterday' }, now)).toEqual({ ok: false, reason: 'date_invalid' });
  });
});
