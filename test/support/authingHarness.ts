/**
 * The Authing face under test: a listening server of buildApp (the real SDK
 * talks HTTP), access keys made by the real CLI, the unmodified Authing Node
 * SDK's ManagementClient, and raw signed requests built with the SDK's own
 * signing helpers (to send what the SDK would not: replays, old dates...).
 */
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { orgsync } from './httpCli.js';
import type { TestDb } from './db.js';

const require = createRequire(import.meta.url);

/** A fixed test key (32 bytes, base64). */
export const TEST_SECRET_KEY = 'b3Jnc3luYy10ZXN0LWtleS0zMi1ieXRlcy1sb25nISE=';

export interface AccessKey {
  id: string;
  accessKeyId: string;
  accessKeySecret: string;
}

export interface SdkClient {
  createDepartment(body: Record<string, unknown>): Promise<AuthingAnswer>;
  getDepartment(q: Record<string, unknown>): Promise<AuthingAnswer>;
  updateDepartment(body: Record<string, unknown>): Promise<AuthingAnswer>;
  deleteDepartment(body: Record<string, unknown>): Promise<AuthingAnswer>;
  listChildrenDepartments(q: Record<string, unknown>): Promise<AuthingAnswer>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AuthingAnswer = { statusCode: number; message: string; apiCode?: number; requestId: string; data: any };

interface SdkSigning {
  buildStringToSign(method: string, uri: string, headers: Record<string, string>, query: Record<string, unknown>): string;
  buildAuthorization(id: string, secret: string, stringToSign: string): string;
  DEFAULT_HEADERS(): Record<string, string>;
}
const signing = require('authing-node-sdk/dist/utils/buildSignature.js') as SdkSigning;
const { ManagementClient } = require('authing-node-sdk') as { ManagementClient: new (o: Record<string, string>) => SdkClient };

export async function cliAccessKey(db: TestDb, org: string, extra: string[] = []): Promise<AccessKey> {
  const res = await orgsync(db, ['token', 'create', '--org', org, '--authing', '--json', ...extra], { ORGSYNC_SECRET_KEY: TEST_SECRET_KEY });
  if (res.code !== 0) throw new Error(`token create --authing failed: ${res.stderr}`);
  return JSON.parse(res.stdout) as AccessKey;
}

export function sdkClient(key: AccessKey, host: string): SdkClient {
  return new ManagementClient({ accessKeyId: key.accessKeyId, accessKeySecret: key.accessKeySecret, host });
}

export function baseUrl(server: { address(): AddressInfo | string | null }): string {
  const address = server.address() as AddressInfo;
  return `http://127.0.0.1:${address.port}`;
}

export interface SignedRequest {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body?: string;
}

/** A request signed exactly as the SDK's ManagementHttpClient signs it, with what the test wants changed. */
export function signRequest(
  key: AccessKey,
  method: 'GET' | 'POST',
  path: string,
  fields: Record<string, unknown>,
  opts: { date?: Date; nonce?: string; secret?: string } = {},
): SignedRequest {
  const headers: Record<string, string> = { ...signing.DEFAULT_HEADERS(), 'x-authing-lang': 'zh-CN', date: (opts.date ?? new Date()).toUTCString() };
  if (opts.nonce) headers['x-authing-signature-nonce'] = opts.nonce;
  const sts = signing.buildStringToSign(method, path, headers, fields);
  headers.authorization = signing.buildAuthorization(key.accessKeyId, opts.secret ?? key.accessKeySecret, sts);
  if (method === 'GET') {
    const query = new URLSearchParams(Object.entries(fields).map(([k, v]): [string, string] => [k, String(v)])).toString();
    return { method, url: query ? `${path}?${query}` : path, headers };
  }
  return { method, url: path, headers, body: JSON.stringify(fields) };
}

export async function send(host: string, req: SignedRequest): Promise<{ status: number; body: AuthingAnswer; requestIdHeader: string | null }> {
  const res = await fetch(`${host}${req.url}`, { method: req.method, headers: req.headers, ...(req.body !== undefined ? { body: req.body } : {}) });
  return { status: res.status, body: (await res.json()) as AuthingAnswer, requestIdHeader: res.headers.get('x-request-id') };
}

/** The DepartmentDto's fields, every one of them (seeds 003 and 004). */
export const DEPARTMENT_DTO_KEYS = [
  'allow',
  'code',
  'createdAt',
  'customData',
  'departmentId',
  'description',
  'hasChildren',
  'i18n',
  'isVirtualNode',
  'leaderUserIds',
  'membersCount',
  'name',
  'openDepartmentId',
  'organizationCode',
  'parentDepartmentCode',
  'parentDepartmentId',
  'postIdList',
  'posts',
  'status',
  'updatedAt',
];
