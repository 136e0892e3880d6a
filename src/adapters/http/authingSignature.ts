/**
 * The Authing SDK's request signature, read on the server side.
 *
 * The SDK (authing-node-sdk 4.x, dist/utils/buildSignature.js) sends
 *
 *   authorization: authing <accessKeyId>:<base64 HMAC-SHA1(secret, stringToSign)>
 *
 * where stringToSign is
 *
 *   <METHOD>\n
 *   <name>:<value>\n  for `date` and every `x-authing-*` header, names sorted, values trimmed
 *   <path>[?k1=v1&k2=v2...]  the request's fields, keys sorted: the query for GET,
 *                            the JSON body's top-level keys otherwise; an object or
 *                            array value as its JSON text; no `?` when there are none
 *
 * This module rebuilds that string from what arrived; app/authingKeys.ts
 * checks the signature, the date window and the nonce.
 */
import type { FastifyRequest } from 'fastify';

export const NONCE_HEADER = 'x-authing-signature-nonce';

/** `authing <accessKeyId>:<signature>`, or undefined when the header has another form. */
export function parseAuthorization(header: unknown): { accessKeyId: string; signature: string } | undefined {
  if (typeof header !== 'string' || header.length > 512) return undefined;
  const m = /^authing ([^:\s]{1,64}):(\S{1,128})$/.exec(header);
  return m ? { accessKeyId: m[1]!, signature: m[2]! } : undefined;
}

/** As the SDK's `filter`: tabs and line breaks in a header value become spaces. */
function headerText(value: unknown): string {
  const text = Array.isArray(value) ? value.join(', ') : String(value);
  return text.replace(/[\t\n\r\f]/g, ' ').trim();
}

export function canonicalHeaders(headers: Record<string, unknown>): string {
  const names = Object.keys(headers)
    .map((n) => n.toLowerCase())
    .filter((n) => n.startsWith('x-authing-') || n === 'date')
    .sort();
  return names.map((n) => `${n}:${headerText(headers[n])}\n`).join('');
}

export function canonicalResource(path: string, fields: Record<string, unknown>): string {
  const keys = Object.keys(fields).sort();
  if (keys.length === 0) return path;
  const parts: string[] = [];
  for (const key of keys) {
    const value = fields[key];
    if (value === undefined) continue;
    parts.push(`${key}=${typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value)}`);
  }
  return `${path}?${parts.join('&')}`;
}

export function stringToSign(method: string, path: string, headers: Record<string, unknown>, fields: Record<string, unknown>): string {
  return `${method}\n${canonicalHeaders(headers)}${canonicalResource(path, fields)}`;
}

/** The fields the SDK signed: the query of a GET (as sent, decoded), the JSON body's otherwise. */
export function signedFields(request: FastifyRequest): Record<string, unknown> {
  if (request.method === 'GET' || request.method === 'HEAD') {
    const q = request.url.indexOf('?');
    if (q < 0) return {};
    const fields: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    for (const [key, value] of new URLSearchParams(request.url.slice(q + 1))) fields[key] = value;
    return fields;
  }
  const body = request.body;
  return typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
}

/** The request's string to sign, as the SDK built it. */
export function requestStringToSign(request: FastifyRequest): string {
  const path = request.url.split('?')[0]!;
  return stringToSign(request.method, path, request.headers, signedFields(request));
}

export function headerValue(request: FastifyRequest, name: string): string | undefined {
  const v = request.headers[name];
  return typeof v === 'string' ? v : undefined;
}
