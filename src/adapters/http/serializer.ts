/**
 * The response serializer: every answer is checked against its route's zod
 * response schema (strict objects: an answer with a field the schema lacks, or
 * of the wrong type, is a 500, never sent), then JSON.stringify'd.
 *
 * fastify-type-provider-zod's own serializerCompiler checks with z.safeEncode,
 * which only differs from z.safeParse for schemas that transform (codecs,
 * pipes, transforms: encode runs them backwards) or fill in values (defaults,
 * catches: parse only). Our response schemas do neither, and
 * encode skips zod's compiled fast path for objects: a Department took 15 µs
 * to encode against 2 µs to parse, on every department answer. So a schema
 * with none of those anywhere inside it is checked with safeParse, and any
 * other keeps safeEncode, exactly as before.
 */
import { ResponseSerializationError } from 'fastify-type-provider-zod';
import { z } from 'zod';

type AnySchema = z.core.$ZodType;

/** Schema types that parse and encode treat differently: transforms run backwards, defaults and catches apply only forwards. */
const DIRECTIONAL: ReadonlySet<unknown> = new Set(['transform', 'pipe', 'default', 'prefault', 'catch']);

/** Whether `schema` or anything inside it behaves differently in encode than in parse. */
export function transforms(schema: AnySchema, seen = new Set<unknown>()): boolean {
  if (seen.has(schema)) return false;
  seen.add(schema);
  const def = schema._zod.def as unknown as Record<string, unknown>;
  if (DIRECTIONAL.has(def.type)) return true;
  const isSchema = (v: unknown): v is AnySchema => typeof v === 'object' && v !== null && '_zod' in v;
  // Children sit in the definition as schemas, arrays of schemas (unions, tuples) or a shape (objects, read through
  // its getters, which is how recursive schemas refer to themselves; `seen` ends the recursion).
  for (const value of Object.values(def)) {
    const children = isSchema(value) ? [value] : Array.isArray(value) ? value : typeof value === 'object' && value !== null ? Object.values(value) : [];
    for (const child of children) if (isSchema(child) && transforms(child, seen)) return true;
  }
  return false;
}

function zodSchemaOf(schema: unknown): AnySchema {
  if (schema instanceof z.core.$ZodType) return schema;
  const properties = (schema as { properties?: unknown } | null)?.properties;
  if (properties instanceof z.core.$ZodType) return properties;
  throw new Error(`not a zod response schema: ${JSON.stringify(schema)}`);
}

/** For app.setSerializerCompiler. */
export function serializerCompiler({ schema, method, url }: { schema: unknown; method: string; url: string }): (data: unknown) => string {
  const zod = zodSchemaOf(schema);
  const check = transforms(zod) ? z.safeEncode : z.safeParse;
  return (data) => {
    const result = check(zod, data);
    if (!result.success) throw new ResponseSerializationError(method, url, { cause: result.error });
    return JSON.stringify(result.data);
  };
}
