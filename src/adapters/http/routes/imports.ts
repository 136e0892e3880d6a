/**
 * POST /v1/organizations/{org}/imports: an import file as the raw body or as a
 * multipart upload, options as query (or form) fields. The file is received
 * whole (uploads.ts), then staged and queued by the same submitImport the CLI's
 * `enqueue` uses: 202 with the run id. `?wait=true` waits (bounded) for a
 * worker to finish it and answers 200 with the report instead.
 *
 * Registered on its own scope: here JSON, CSV, YAML and NDJSON bodies are file
 * contents to stage byte for byte, never parsed by the server.
 */
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { findOrganization } from '../../../app/organizations.js';
import { getRun } from '../../../app/runHistory.js';
import { submitImport } from '../../../app/submitImport.js';
import { waitForRun } from '../../../app/waitForRun.js';
import type { Organization } from '../../../core/model.js';
import { organizationFor, organizationNotFound, principalOf } from '../auth.js';
import type { AppDeps } from '../deps.js';
import { importOptionsFrom } from '../importOptionsInput.js';
import { runLinks, toApiReport } from '../runPresenters.js';
import { commonErrors, ErrorEnvelope, OrgParams } from '../schemas/common.js';
import { ImportAccepted, ImportQuery, ImportReport } from '../schemas/imports.js';
import { RAW_UPLOAD_TYPES, receiveMultipartUpload, receiveRawUpload, type SpooledUpload } from '../uploads.js';

const DEFAULT_WAIT_SECONDS = 10;

/**
 * The organization to import into. Only an admin may import into one that does
 * not exist yet, and only with createOrg; anyone else gets the same 404 as for
 * an organization they may not see.
 */
async function targetOrganization(request: FastifyRequest, deps: AppDeps, ref: string, createOrg: boolean): Promise<Pick<Organization, 'code'>> {
  const principal = principalOf(request);
  if (principal.isAdmin && createOrg && !(await findOrganization(deps.repos, ref))) {
    if (ref.startsWith('org_')) throw organizationNotFound(ref);
    return { code: ref };
  }
  return organizationFor(request, deps.repos, ref);
}

export async function importRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const limit = deps.config.http.uploadLimit;
  app.removeAllContentTypeParsers();
  // Raw bodies reach the handler as the request stream; uploads.ts enforces the limit while spooling.
  app.addContentTypeParser(Object.keys(RAW_UPLOAD_TYPES), (_request, payload, done) => done(null, payload));
  await app.register(multipart, { limits: { fileSize: limit } });

  const r = app.withTypeProvider<ZodTypeProvider>();
  r.post(
    '/organizations/:org/imports',
    {
      bodyLimit: limit,
      schema: {
        tags: ['Imports'],
        summary: 'Upload an import',
        description:
          'Send the file as the raw body (Content-Type text/csv, application/yaml, application/json or application/x-ndjson; an .xlsx as ' +
          'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet or application/octet-stream, recognised by its content) or as the ' +
          'file part of a multipart/form-data upload. Import options are query parameters (or form fields), named like the CLI flags: ' +
          '`mode=sync`, `dry-run=true`, `parent-ref=code`, `max-deactivate=10%`, `create-org=true` (admin tokens only)... ' +
          'The file is staged and queued: 202 with the run id. With `wait=true` the request waits up to `timeout` seconds for a ' +
          'worker and answers 200 with the report when the run finished in time. A file over the upload limit (413) or cut short (400) ' +
          'is refused whole.',
        params: OrgParams,
        querystring: ImportQuery,
        uploadBody: true,
        response: { 200: ImportReport, 202: ImportAccepted, ...commonErrors, 413: ErrorEnvelope, 415: ErrorEnvelope },
      },
    },
    async (request, reply) => {
      // An organization token was already held to its own, existing organization
      // by the auth hook, before any byte of the body was read. An admin's
      // createOrg may sit in a form field, so admins are checked once the form is read.
      let upload: SpooledUpload;
      if (request.isMultipart()) upload = await receiveMultipartUpload(request, limit);
      else upload = await receiveRawUpload(request, limit, request.query.filename ?? 'upload');
      try {
        const options = importOptionsFrom([request.query, upload.fields], upload.impliedFormat);
        const org = await targetOrganization(request, deps, request.params.org, options.createOrg);
        const result = await submitImport({ repos: deps.repos, queue: deps.queue }, { organizationCode: org.code, source: upload.source, options, submittedBy: principalOf(request).tokenId });
        if (result.kind !== 'submitted') throw new Error('an upload is never skipped');
        request.log.info({ run_id: result.runId, bytes: upload.size, duplicate: result.duplicate, enqueued: result.enqueued }, 'import submitted');
        if (!result.enqueued) request.log.warn({ run_id: result.runId, err: result.enqueueError }, 'run staged but not enqueued; a worker sweep will enqueue it');

        if (request.query.wait) {
          const seconds = Math.min(request.query.timeout ?? DEFAULT_WAIT_SECONDS, deps.config.http.maxWaitSeconds);
          const controller = new AbortController();
          request.raw.once('close', () => controller.abort());
          const report = await waitForRun(deps.repos, result.runId, { timeoutMs: seconds * 1000, signal: controller.signal });
          if (report) return reply.code(200).send(toApiReport(report, org.code));
        }
        const run = await getRun(deps.repos, result.runId);
        return reply
          .code(202)
          .header('location', runLinks(org.code, result.runId).self)
          .send({ runId: result.runId, status: run?.status ?? 'queued', duplicate: result.duplicate, links: runLinks(org.code, result.runId) });
      } finally {
        await upload.cleanup();
      }
    },
  );
}
