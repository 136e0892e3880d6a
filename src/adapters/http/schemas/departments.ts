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
import { documented, Pagination, PageQuery, queryBoolean } from './common.js';

const text = z.string().nullable();
const jsonObject = z.record(z.string(), z.unknown()).nullable();
const idList = z.array(z.string()).nullable();

export const CreateDepartmentBody = documented(
  'CreateDepartmentBody',
  z
    .strictObject({
      name: z.string().meta({ minLength: 1, maxLength: 255 }).describe('Unique in the organization (or among siblings, by the organization\'s name scope). 1-255 characters.'),
      description: text.optional(),
      parent_id: text.optional().describe('The parent department; omitted, null or "root": top level.'),
      parentId: text.optional().describe('Alias of parent_id.'),
      parentDepartmentId: text.optional().describe('Alias of parent_id (Authing).'),
      departmentIdType: z
        .enum(['department_id', 'open_department_id', 'code'])
        .optional()
        .describe('What the parent reference is: a department id (default), an openDepartmentId or a code.'),
      code: text.optional().describe('Unique in the organization.'),
      openDepartmentId: text.optional().describe('Your own id for the department; unique in the organization.'),
      location: text.optional(),
      i18n: jsonObject.optional(),
      customData: jsonObject.optional(),
      isVirtualNode: z.boolean().optional(),
      leaderUserIds: idList.optional(),
      postIdList: idList.optional(),
      color: text.optional(),
    })
    .describe('A new department.'),
  [
    { name: 'Backend', description: 'Backend engineering team', parent_id: 'dept_01JC6Z8W5Q2R3S4T5V6W7X8Y9Z' },
    { name: 'Sales EMEA', code: 'SALES-EMEA', parentDepartmentId: 'SALES', departmentIdType: 'code', leaderUserIds: ['usr_42'] },
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

export const DepartmentList = documented(
  'DepartmentList',
  z.strictObject({ data: z.array(Department), pagination: Pagination }),
  [{ data: [departmentExample], pagination: { total: 1, limit: 50, offset: 0, has_more: false } }],
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

export const ListDepartmentsQuery = z.object({
  ...PageQuery,
  parent_id: z.string().min(1).max(64).optional().describe('Only children of this department; `root` for top-level departments.'),
  is_active: queryBoolean.optional().describe('Only active (`true`) or inactive (`false`) departments.'),
});

export const TreeQuery = z.object({
  is_active: queryBoolean.optional().describe('`true`: only active departments (an inactive one hides its subtree).'),
});

export const CreateDepartmentQuery = z.object({
  maxDepth: z.coerce
    .number()
    .int()
    .positive()
    .max(MAX_STORABLE_DEPTH)
    .optional()
    .describe(`Refuse the department if it would be deeper than this many levels (as the importer's --max-depth; default ${DEFAULT_MAX_DEPTH}, at most ${MAX_STORABLE_DEPTH}).`),
});
