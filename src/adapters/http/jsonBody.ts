/**
 * The server's `application/json` body parser. Fastify's own parser would hand
 * any nesting to JSON.parse and on to handlers; ours sends every JSON body
 * through the one guarded parser for small texts (core/read/smallDocument.ts:
 * size and depth checked before parsing), and refuses `__proto__` and
 * `constructor.prototype` keys as Fastify's does (they are never data in a
 * request body, and a later spread or merge must not meet them).
 */
import type { FastifyInstance } from 'fastify';
import { FileError } from '../../core/errors.js';
import { parseSmallDocument } from '../../core/read/smallDocument.js';
import { ApiError } from './errors.js';

/** Whether any object in the value has an own `__proto__` key, or a `constructor` object with a `prototype`. */
export function hasPrototypeKey(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const node = stack.pop();
    if (typeof node !== 'object' || node === null) continue;
    if (Object.hasOwn(node, '__proto__')) return true;
    const ctor = (node as Record<string, unknown>).constructor;
    if (Object.hasOwn(node, 'constructor') && typeof ctor === 'object' && ctor !== null && Object.hasOwn(ctor, 'prototype')) return true;
    for (const child of Object.values(node)) stack.push(child);
  }
  return false;
}

export function installJsonBodyParser(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = String(body);
    if (text === '') return done(new ApiError(400, 'INVALID_JSON', 'The request body is empty; send a JSON object.'), undefined);
    let value: unknown;
    try {
      // Fastify has already held the body to the route's limit; the parser's own cap is that limit.
      value = parseSmallDocument(text, 'json', request.routeOptions.bodyLimit ?? Number.MAX_SAFE_INTEGER);
    } catch (err) {
      if (!(err instanceof FileError)) return done(err as Error, undefined);
      const message = err.code === 'JSON_SYNTAX_ERROR' ? 'The request body is not valid JSON.' : `The request body is not usable JSON: ${err.message}`;
      return done(new ApiError(400, 'INVALID_JSON', message, { reason: err.code, ...err.details }), undefined);
    }
    if (hasPrototypeKey(value)) {
      return done(new ApiError(400, 'INVALID_JSON', 'The request body has a "__proto__" or "constructor.prototype" key, which is never accepted.'), undefined);
    }
    return done(null, value);
  });
}
