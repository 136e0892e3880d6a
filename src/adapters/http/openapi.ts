/**
 * The OpenAPI 3.1 document, generated from the routes' zod schemas, at
 * /openapi.json, and a browsable reference (Swagger UI) at /docs. Only the API
 * itself (/v1, health) is documented; the dashboard and the docs are not API.
 */
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';

const DOCUMENTED = /^\/(v1\/|api\/v3\/|v2\/clients\/|department\/|healthz$|readyz$)/;

const file = { type: 'string', description: 'The file, byte for byte.' };
const UPLOAD_CONTENT = {
  'text/csv': { schema: file },
  'application/yaml': { schema: file },
  'application/json': { schema: file },
  'application/x-ndjson': { schema: file },
  // A workbook: recognised by its content, under either type.
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': { schema: { type: 'string', format: 'binary' } },
  'application/octet-stream': { schema: { type: 'string', format: 'binary' } },
  'multipart/form-data': {
    schema: {
      type: 'object',
      required: ['file'],
      properties: { file: { type: 'string', format: 'binary' } },
      additionalProperties: { type: 'string', description: 'Import options, as in the query.' },
    },
  },
};

export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'orgsync API',
        version: '1.0.0',
        description:
          'Departments of organizations (the seed "Create department" contract), imports of CSV/YAML/JSON org charts, ' +
          'their reports and retries, and scheduled syncs. Errors always use one envelope: ' +
          '`{ "success": false, "error": { code, message, type, status, details, trace_id, timestamp } }`.',
      },
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', description: 'A token from `orgsync token create`.' },
          authingSignature: {
            type: 'apiKey',
            in: 'header',
            name: 'authorization',
            description: '/api/v3 (the Authing face): `authing <accessKeyId>:<base64 HMAC-SHA1>` as the Authing SDK signs, with `date` and `x-authing-signature-nonce`; keys from `orgsync token create --authing`.',
          },
        },
      },
      security: [{ bearerAuth: [] }],
    },
    transform: (doc) => {
      if (!DOCUMENTED.test(doc.url)) return { schema: { ...doc.schema, hide: true }, url: doc.url };
      const { uploadBody, ...schema } = (doc.schema ?? {}) as Record<string, unknown>;
      const out = jsonSchemaTransform({ ...doc, schema });
      // The upload route has no body schema (its body is a file, streamed, never
      // parsed): describe the media types it takes instead.
      if (uploadBody) (out.schema as Record<string, unknown>).body = { content: UPLOAD_CONTENT };
      return out;
    },
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs', staticCSP: true });
  app.get('/openapi.json', { schema: { hide: true }, config: { rateLimit: false } }, async () => app.swagger());
}
