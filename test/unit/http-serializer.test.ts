/**
 * The response serializer (src/adapters/http/serializer.ts): z.safeParse
 * instead of fastify-type-provider-zod's z.safeEncode for schemas that do not
 * transform, with the same output and the same refusals.
 */
import { ResponseSerializationError } from 'fastify-type-provider-zod';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { registeredExamples } from '../../src/adapters/http/schemas/common.js';
import { Department } from '../../src/adapters/http/schemas/departments.js';
import { serializerCompiler, transforms } from '../../src/adapters/http/serializer.js';

// The schema modules register their documented examples when loaded.
import '../../src/adapters/http/schemas/authingFace.js';
import '../../src/adapters/http/schemas/clientsFace.js';
import '../../src/adapters/http/schemas/hrFace.js';
import '../../src/adapters/http/schemas/imports.js';
import '../../src/adapters/http/schemas/schedules.js';

describe('the response serializer', () => {
  it('tells schemas that encode differently from parse (transforms, pipes, defaults), also deep inside', () => {
    expect(transforms(Department)).toBe(false);
    expect(transforms(z.object({ a: z.array(z.object({ b: z.string().transform((s) => s.length) })) }))).toBe(true);
    expect(transforms(z.object({ a: z.union([z.string(), z.codec(z.string(), z.number(), { decode: Number, encode: String })]) }))).toBe(true);
    expect(transforms(z.object({ a: z.string().default('x') }))).toBe(true);
    expect(transforms(z.object({ a: z.record(z.string(), z.string().nullable().optional()) }))).toBe(false);
    // A recursive schema (through a getter) ends.
    const Node: z.ZodType<{ children: unknown[] }> = z.object({ get children() { return z.array(Node); } });
    expect(transforms(Node)).toBe(false);
  });

  it('writes every documented example exactly as the encode-based serializer did', () => {
    const examples = registeredExamples();
    expect(examples.length).toBeGreaterThan(20);
    let compared = 0;
    for (const { name, schema, examples: values } of examples) {
      const serialize = serializerCompiler({ schema, method: 'GET', url: `/${name}` });
      for (const value of values) {
        const encoded = z.safeEncode(schema, value);
        if (!encoded.success) continue; // a request body's example (input shape), not an answer
        expect(serialize(value), name).toBe(JSON.stringify(encoded.data));
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(20);
  });

  it('refuses an answer its schema does not allow, as before', () => {
    const serialize = serializerCompiler({ schema: Department, method: 'POST', url: '/v1/organizations/:org/departments' });
    const example = registeredExamples().find((e) => e.name === 'Department')!.examples[0] as Record<string, unknown>;
    expect(() => serialize({ ...example, secret: 'x' })).toThrow(ResponseSerializationError);
    expect(() => serialize({ ...example, depth: '1' })).toThrow(ResponseSerializationError);
    expect(JSON.parse(serialize(example))).toEqual(example);
  });
});
