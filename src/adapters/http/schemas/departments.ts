/**
 * Department request and response shapes: the seed contract (Aitronos field
 * names for the core fields, Authing names for the rest).
 *
 * The request schema checks JSON types only. Everything about values (name
 * length and characters, parent resolution, uniqueness, depth) is decided by
 * the importer's own normalisation and planning (app/createDepartment.ts), so
 * the API and the importer cannot disagree.
 */
import { z } from 'zod';
import { DEFAULT_MAX_DEPTH, MAX_STORABLE_DEPTH } from '../../../core/plan/depthLimit.js';
import { MAX_PAGE_SIZE } from '../../../app/listDepartments.js';
import { documented, queryBoolean } from './common.js';
import { departmentBody, FIELD_TYPES } from './departmentBody.js';

const jsonObject = z.record(z.string(), z.unknown()).nullable();

const T = FIELD_TYPES;

export const CreateDepartmentBody = documented(
  'CreateDepartmentBody',
  departmentBody(
    {
      name: T.name.optional().describe('Required (here or under an alias). Unique in the organization (or among siblings, by the organization\'s name scope). 1-255 characters.'),
      description: T.description.optional(),
      parent_id: T.parent.optional().describe('The parent department; omitted, null or "root": top level.'),
      parentId: T.parent.optional().describe('Alias of parent_id.'),
      parentDepartmentId: T.parent.optional().describe('Alias of parent_id (Authing).'),
      departmentIdType: T.departmentIdType
        .optional()
        .describe('What the parent reference is: a department id (`department_id`, the default), an `open_department_id` or a `code`.'),
      parentCode: T.parentCode.optional().describe("The parent by its code (whatever departmentIdType says), as the importer's parentCode column."),
      code: T.code.optional().describe('Unique in the organization.'),
      openDepartmentId: T.openDepartmentId.optional().describe('Your own id for the department; unique in the organization.'),
      location: T.location.optional(),
      i18n: T.i18n.optional(),
      customData: T.customData.optional(),
      isVirtualNode: T.isVirtual.optional(),
      leaderUserIds: T.leaderUserIds.optional(),
      postIdList: T.postIds.optional(),
      color: T.color.optional(),
      tenantId: T.tenantId.optional(),
      is_active: T.isActive.optional().describe('false: created inactive (default true).'),
      organizationCode: T.organization.optional().describe("Must be the URL's organization when given (Authing)."),
    },
    (field) => (field === 'id' ? "a new department's id is assigned by the server; leave it out" : undefined),
    ['name'],
  ).describe(
    "A new department. Every field is also accepted under any name the importer accepts for it (`parentDepartment`, `open_department_id`, `department_name`, `desc`...: docs/api.md); any other key is refused.",
  ),
  [
    { name: 'Backend', description: 'Backend engineering team', parent_id: 'dept_01JC6Z8W5Q2R3S4T5V6W7X8Y9Z' },
    { name: 'Sales EMEA', code: 'SALES-EMEA', parentDepartmentId: 'SALES', departmentIdType: 'code', leaderUserIds: ['usr_42'] },
    { name: 'Support', parentCode: 'OPS', open_department_id: 'ou_support' },
  ],
);
export type CreateDepartmentBody = z.output<typeof CreateDepartmentBody>;

const departmentShape = {
  id: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  parent_id: z.string().nullable(),
  path: z.string().describe('Ids from the top-level department down to this one.'),
  depth: z.int().nonnegative().describe('0 for a top-level department.'),
  organization_id: z.string(),
  code: z.string().nullable(),
  openDepartmentId: z.string().nullable(),
  location: z.string().nullable(),
  i18n: jsonObject,
  customData: jsonObject,
  isVirtualNode: z.boolean(),
  leaderUserIds: z.array(z.string()),
  postIdList: z.array(z.string()),
  member_count: z.int().nonnegative(),
  hasChildren: z.boolean(),
  is_active: z.boolean(),
  color: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
};

const departmentExample = {
  id: 'dept_01JC6Z9A1B2C3D4E5F6G7H8J9K',
  name: 'Backend',
  description: 'Backend engineering team',
  parent_id: 'dept_01JC6Z8W5Q2R3S4T5V6W7X8Y9Z',
  path: '/dept_01JC6Z8W5Q2R3S4T5V6W7X8Y9Z/dept_01JC6Z9A1B2C3D4E5F6G7H8J9K',
  depth: 1,
  organization_id: 'org_01JC6Z7P4N3M2K1J0H9G8F7E6D',
  code: null,
  openDepartmentId: null,
  location: null,
  i18n: null,
  customData: null,
  isVirtualNode: false,
  leaderUserIds: [],
  postIdList: [],
  member_count: 0,
  hasChildren: false,
  is_active: true,
  color: null,
  created_at: '2025-01-16T14:30:00.000Z',
  updated_at: '2025-01-16T14:30:00.000Z',
};

export const Department = documented('Department', z.strictObject(departmentShape).describe('A department.'), [departmentExample]);
export type Department = z.output<typeof Department>;

/** A keyset page: no total (counting every match would cost each page the organization's size). */
export const CursorPagination = z.strictObject({
  limit: z.int().positive(),
  next_cursor: z.string().nullable().describe('Pass as `cursor` for the next page; null on the last page.'),
  has_more: z.boolean(),
});

export const DepartmentList = documented(
  'DepartmentList',
  z.strictObject({ data: z.array(Department), pagination: CursorPagination }),
  [{ data: [departmentExample], pagination: { limit: 50, next_cursor: 'WzEsIkJhY2tlbmQiLCJkZXB0XzAxSkM2WjlBMUIyQzNENEU1RjZHN0g4SjlLIl0', has_more: true } }],
);

export interface DepartmentTreeNode extends Department {
  children: DepartmentTreeNode[];
}

export const DepartmentNode: z.ZodType<DepartmentTreeNode> = z.strictObject({
  ...departmentShape,
  get children() {
    return z.array(DepartmentNode);
  },
});

/**
 * For the OpenAPI document. The route writes its answer as text (core/tree.ts's
 * treeJson) rather than through this schema, whose serializer recursed per level.
 */
export const DepartmentTree = documented('DepartmentTree', z.strictObject({ data: z.array(DepartmentNode) }), [
  {
    data: [
      {
        ...departmentExample,
        id: 'dept_01JC6Z8W5Q2R3S4T5V6W7X8Y9Z',
        name: 'Engineering',
        description: null,
        parent_id: null,
        path: '/dept_01JC6Z8W5Q2R3S4T5V6W7X8Y9Z',
        depth: 0,
        hasChildren: true,
        children: [{ ...departmentExample, children: [] }],
      },
    ],
  },
]);

export type DepartmentTreeBody = z.output<typeof DepartmentTree>;

export const DepartmentParams = z.object({ org: z.string().min(1).max(191), id: z.string().min(1).max(64) });

const departmentId = z.string().min(1).max(64);

// Strict: an unknown query parameter is 400 UNKNOWN_PARAMETER (adapters/http/errors.ts), never ignored.
export const ListDepartmentsQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(50).describe(`Page size, 1-${MAX_PAGE_SIZE}.`),
  cursor: z.string().min(1).max(2048).optional().describe("The previous page's `pagination.next_cursor`, unchanged."),
  parent_id: departmentId.optional().describe('Only children of this department; `root` for top-level departments.'),
  is_active: queryBoolean.optional().describe('Only active (`true`) or inactive (`false`) departments.'),
  code: z.string().min(1).max(512).optional().describe('Only the department with this code.'),
  openDepartmentId: z.string().min(1).max(512).optional().describe('Only the department with this openDepartmentId.'),
  name: z.string().min(1).max(1024).optional().describe('Only departments with this name (compared as the importer compares names).'),
});

export const TreeQuery = z.strictObject({
  root: z.string().min(1).max(600).optional().describe('The subtree to return: a department id, `code:<code>` or `open:<openDepartmentId>`. Default: every top-level department.'),
  depth: z.coerce
    .number()
    .int()
    .min(0)
    .max(MAX_STORABLE_DEPTH)
    .optional()
    .describe('Levels below the root (below the top level without `root`) to include: 0 is the root alone. Default: all.'),
  is_active: queryBoolean.optional().describe('`true`: only active departments (an inactive one is left out with its subtree).'),
});

/** GET of one department takes no query parameters: any is 400 UNKNOWN_PARAMETER. */
export const NoQuery = z.strictObject({});

export const CreateDepartmentQuery = z.object({
  maxDepth: z.coerce
    .number()
    .int()
    .positive()
    .max(MAX_STORABLE_DEPTH)
    .optional()
    .describe(`Refuse the department if it would be deeper than this many levels (as the importer's --max-depth; default ${DEFAULT_MAX_DEPTH}, at most ${MAX_STORABLE_DEPTH}).`),
});
