/**
 * GET /v1/organizations/{org}/departments/export: the same file `orgsync
 * export` writes, streamed as it is read (app/exportDepartments.ts).
 */
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { exportOrganization } from '../../../app/exportDepartments.js';
import { EXPORT_FORMATS } from '../../../core/export/formats.js';
import { organizationFor } from '../auth.js';
import type { AppDeps } from '../deps.js';
import { commonErrors, OrgParams, queryBoolean } from '../schemas/common.js';

// Strict: an unknown parameter is 400 UNKNOWN_PARAMETER, never ignored.
const ExportQuery = z.strictObject({
  format: z.enum(EXPORT_FORMATS).default('csv').describe('The file format: csv (default), xlsx, json, yaml or ndjson.'),
  active: queryBoolean.optional().describe('`true`: only active departments. By default inactive ones are included (with isActive false).'),
});

const text = { schema: z.string() };
const binary = { schema: z.string().describe('An Excel workbook (binary).') };

export function exportRoutes(app: FastifyInstance, deps: AppDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/organizations/:org/departments/export',
    {
      schema: {
        tags: ['Departments'],
        summary: 'Export the departments as an importable file',
        description:
          'Every department (or only active ones) in the importer\'s own vocabulary, parents before children, streamed: ' +
          'importing the file into the same organization changes nothing, into an empty one it rebuilds the same tree. ' +
          'The parent column names its key (`parentCode`, `parentOpenDepartmentId`, or `parentDepartmentId` with `departmentIdType`). ' +
          'CSV and xlsx cells are formula-safe (xlsx: every cell is text, so codes like `00123` stay as they are). The same file as `orgsync export`.',
        params: OrgParams,
        querystring: ExportQuery,
        response: {
          200: {
            description: 'The export file, with Content-Disposition: attachment.',
            content: { 'text/csv': text, 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': binary, 'application/json': text, 'application/yaml': text, 'application/x-ndjson': text },
          },
          ...commonErrors,
        },
      },
    },
    async (request, reply) => {
      const org = await organizationFor(request, deps.repos, request.params.org);
      const exported = exportOrganization(deps.repos.departmentExport, org, { format: request.query.format, activeOnly: request.query.active === true });
      return reply
        .type(exported.contentType)
        .header('content-disposition', `attachment; filename="${exported.fileName}"`)
        // A stream is sent as it is, past the response schema (which documents the file's text).
        .send(Readable.from(exported.chunks) as unknown as string);
    },
  );
}
