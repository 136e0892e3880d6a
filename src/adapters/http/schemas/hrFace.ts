/**
 * The HR app face (seed 002): request and response shapes of
 * `POST /department/new`, with the document's own examples. The body checks
 * JSON types only; a key is accepted under any of the importer's aliases of
 * the document's fields (faceBody.ts), and values are judged by the importer's
 * normaliser and planner, as on /v1.
 */
import { z } from 'zod';
import { documented } from './common.js';

const text = z.string().nullable();

export const HrCreateDepartmentBody = documented(
  'HrCreateDepartmentBody',
  z
    .object({
      name: z.string().meta({ minLength: 1, maxLength: 255 }).optional().describe('Department name (required). Unique within the organization.'),
      description: text.optional().describe('Department description.'),
      code: text.optional().describe('Department code; unique within the organization.'),
      location: text.optional().describe('Department location.'),
      parentId: text.optional().describe('Parent department id (for sub-departments); omit, null or `root` for a root-level department.'),
      parentDepartment: text.optional().describe('Alias of parentId.'),
    })
    .catchall(text)
    .meta({ required: ['name'] })
    .describe(
      'A new department. The importer\'s aliases are accepted too (e.g. `parent_id`, `parentDepartmentId`; `parentCode` names the parent by its code); any other key is refused.',
    ),
  [
    {
      name: 'Engineering',
      description: 'Handles all software engineering operations',
      code: 'ENG-001',
      location: 'San Francisco HQ',
      parentDepartment: '68c87b38e0c86b191d1b3c5b',
    },
    { name: 'Quality Assurance', description: 'Ensures product quality and testing standards', parentId: '64b7f2b3e4b0a5d3f9c54321' },
    { name: 'Marketing', description: 'Marketing and promotional activities' },
  ],
);

export const HrDepartment = z
  .strictObject({
    _id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    code: z.string().nullable(),
    location: z.string().nullable(),
    parentId: z.string().nullable().describe('null for a root-level department.'),
    parentDepartment: z
      .strictObject({ _id: z.string(), name: z.string(), description: z.string().nullable(), code: z.string().nullable() })
      .nullable()
      .describe('The parent department, or null.'),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .describe('A department, as the HR app shows it.');
export type HrDepartment = z.output<typeof HrDepartment>;

export const HrCreatedDepartment = documented(
  'HrCreatedDepartment',
  z.strictObject({ message: z.string(), data: z.strictObject({ department: HrDepartment }) }),
  [
    {
      message: 'Department created successfully',
      data: {
        department: {
          _id: 'dept_01JC6Z9A1B2C3D4E5F6G7H8J9K',
          name: 'Quality Assurance',
          description: 'Ensures product quality and testing standards',
          code: null,
          location: null,
          parentId: 'dept_01JC6Z8W5Q2R3S4T5V6W7X8Y9Z',
          parentDepartment: { _id: 'dept_01JC6Z8W5Q2R3S4T5V6W7X8Y9Z', name: 'Technology', description: 'Some description for this department', code: 'TECH' },
          createdAt: '2024-01-15T10:30:00.000Z',
          updatedAt: '2024-01-15T10:30:00.000Z',
        },
      },
    },
  ],
);

export const HrErrorBody = documented(
  'HrErrorBody',
  z.strictObject({ error: z.strictObject({ code: z.string().describe('VALIDATION_ERROR, UNAUTHORIZED, SERVER_ERROR, ...'), message: z.string() }) }).describe('The HR app error body.'),
  [
    { error: { code: 'VALIDATION_ERROR', message: 'Department name already exists' } },
    { error: { code: 'UNAUTHORIZED', message: 'Missing or invalid token or insufficient permissions' } },
    { error: { code: 'SERVER_ERROR', message: 'Internal server error' } },
  ],
);
export type HrErrorBody = z.output<typeof HrErrorBody>;
