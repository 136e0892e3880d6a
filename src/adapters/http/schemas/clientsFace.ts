/**
 * The clients API face (seed 001): request and response shapes, with the
 * document's own examples. Bodies check JSON types only; a key is accepted
 * under any of the importer's aliases of the document's fields (faceBody.ts),
 * and values are judged by the importer's normaliser, as on /v1.
 */
import { z } from 'zod';
import { MAX_PAGE_SIZE } from '../../../app/listDepartments.js';
import { documented } from './common.js';

export const ClientParams = z.object({
  client_id: z.string().min(1).max(191).describe('The client organization: its code (e.g. `acme`) or id (`org_...`).'),
});

export const ClientDepartmentParams = ClientParams.extend({
  department_id: z.string().min(1).max(200).describe('The department id (`dept_...`), or `code:ENG` / `open:ou_123`.'),
});

const NAME_DESCRIPTION =
  'Department display name; required on create. Must be unique within the client. 1-255 characters. ' +
  'The importer\'s aliases are accepted too (`departmentName`, `deptName`), as is `desc` for `description`.';

const bodyShape = {
  name: z.string().meta({ minLength: 1, maxLength: 255 }).optional().describe(NAME_DESCRIPTION),
  description: z.string().nullable().optional().describe('Optional department description.'),
};

export const ClientsCreateDepartmentBody = documented(
  'ClientsCreateDepartmentBody',
  z
    .object(bodyShape)
    .catchall(z.string().nullable())
    .meta({ required: ['name'] })
    .describe('A new department: `name` and `description` (or their importer aliases); any other key is refused.'),
  [{ name: 'Engineering', description: 'Software development and infrastructure teams' }, { name: 'Sales' }],
);

export const ClientsUpdateDepartmentBody = documented(
  'ClientsUpdateDepartmentBody',
  z.object(bodyShape).catchall(z.string().nullable()).describe('The fields to change (`name`, `description`); the others keep their values.'),
  [{ description: 'Software, infrastructure and data teams' }, { name: 'Platform Engineering' }],
);

const departmentExample = {
  id: 'd1a2b3c4-e5f6-7890-abcd-ef1234567890',
  name: 'Engineering',
  description: 'Software development and infrastructure teams',
  member_count: 0,
  created_at: '2026-02-24T10:00:00.000Z',
  updated_at: '2026-02-24T10:00:00.000Z',
};

export const ClientsDepartment = documented(
  'ClientsDepartment',
  z
    .strictObject({
      id: z.string(),
      name: z.string(),
      description: z.string().nullable(),
      member_count: z.int().nonnegative().describe('Direct members; 0 on a newly created department.'),
      created_at: z.string(),
      updated_at: z.string(),
    })
    .describe('A department, as the clients API shows it.'),
  [departmentExample],
);
export type ClientsDepartment = z.output<typeof ClientsDepartment>;

export const ClientsDepartmentList = documented(
  'ClientsDepartmentList',
  z.strictObject({
    data: z.array(ClientsDepartment),
    has_more: z.boolean(),
    next_cursor: z.string().nullable().describe('Pass as `cursor` for the next page; null on the last page.'),
  }),
  [{ data: [departmentExample], has_more: false, next_cursor: null }],
);

export const ClientsListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(50).describe(`Page size, 1-${MAX_PAGE_SIZE}.`),
  cursor: z.string().min(1).max(500).optional().describe('From the previous page\'s `next_cursor`.'),
  name: z.string().min(1).max(255).optional().describe('Only the department with exactly this name.'),
});

export const ClientsErrorBody = documented(
  'ClientsErrorBody',
  z
    .strictObject({
      error: z.strictObject({
        code: z
          .string()
          .describe('invalid_request, unauthorized, forbidden, not_found, conflict, payload_too_large, unsupported_media_type, rate_limited, server_error, service_unavailable.'),
        message: z.string(),
        details: z.record(z.string(), z.unknown()).optional().describe('The field or value concerned, when there is one.'),
      }),
    })
    .describe('The clients API error body.'),
  [
    { error: { code: 'invalid_request', message: 'Department name is required', details: { field: 'name' } } },
    { error: { code: 'conflict', message: 'A department with this name already exists', details: { name: 'Engineering' } } },
  ],
);
export type ClientsErrorBody = z.output<typeof ClientsErrorBody>;

/** Every error status the face's routes document. */
export const clientsErrors = {
  400: ClientsErrorBody,
  401: ClientsErrorBody,
  403: ClientsErrorBody,
  404: ClientsErrorBody,
  429: ClientsErrorBody,
  500: ClientsErrorBody,
} as const;
