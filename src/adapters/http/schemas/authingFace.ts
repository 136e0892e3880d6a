/**
 * The Authing / GenAuth face's shapes (seeds 003 and 004, and the bodies and
 * queries the Authing Node SDK 4.x sends for its department siblings).
 *
 * Request schemas check JSON types; values (name rules, parent resolution,
 * uniqueness, depth) are the importer's to judge, as on every face. Bodies
 * also take every importer alias of the fields they carry (routes check keys
 * with the vocabulary: faceBody.ts); queries are strict (an unknown parameter
 * is refused, never ignored).
 */
import { z } from 'zod';
import { documented, queryBoolean } from './common.js';

const text = z.string().nullable().optional();
const jsonObject = z.record(z.string(), z.unknown()).nullable().optional();
const idList = z.array(z.string()).nullable().optional();
const organizationCode = z.string().max(1024).describe('The organization code (the key must belong to it).');
export const ID_TYPES = ['department_id', 'open_department_id', 'code', 'sync_relation', 'custom_field'] as const;
const departmentIdType = z.enum(ID_TYPES).optional().describe('What the department references of this call are: department_id (default), open_department_id or code. sync_relation and custom_field are refused.');

const I18N_EXAMPLE = { name: { 'zh-CN': { enabled: false, value: '中文' }, 'en-US': { enabled: false, value: 'English' } } };

export const AuthingCreateBody = documented(
  'AuthingCreateDepartmentBody',
  z
    .looseObject({
      organizationCode,
      parentDepartmentId: z
        .string()
        .optional()
        .describe('Required (or an importer alias: parentCode, parentId...): the parent department as departmentIdType says; `root` for a top-level department.'),
      name: z.string(),
      metadata: z.record(z.string(), z.unknown()).nullable().optional().describe('Accepted and not stored.'),
      openDepartmentId: text,
      description: text,
      code: text,
      isVirtualNode: z.boolean().optional(),
      i18n: jsonObject,
      customData: jsonObject,
      departmentIdType,
      postIdList: idList,
      tenantId: text,
      leaderUserIds: idList,
    })
    .describe('A new department; other keys are accepted under the importer\'s aliases (parentCode, location, color...), anything else is refused.'),
  [
    {
      organizationCode: 'steamory',
      parentDepartmentId: 'root',
      name: 'Development Department',
      openDepartmentId: 'ou_7dab8a3d3cdccxxxxxx777c7ad535d62',
      description: 'Technical R&D Department',
      code: 'develop',
      isVirtualNode: false,
      i18n: I18N_EXAMPLE,
      customData: { icon: 'https://example.com/logo' },
      departmentIdType: 'department_id',
    },
  ],
);

export const AuthingUpdateBody = z
  .looseObject({
    organizationCode,
    departmentId: z.string().describe('The department to change (as departmentIdType says).'),
    departmentIdType,
    metadata: z.record(z.string(), z.unknown()).nullable().optional(),
    name: z.string().optional(),
    description: text,
    code: text,
    openDepartmentId: text,
    i18n: jsonObject,
    customData: jsonObject,
    isVirtualNode: z.boolean().optional(),
    leaderUserIds: idList,
    postIdList: idList,
    status: z.boolean().optional().describe('false deactivates, true reactivates.'),
    parentDepartmentId: z.string().optional().describe('Moves the department (and its subtree) under this parent; `root`: top level.'),
    tenantId: text,
  })
  .describe('The fields to change.');

export const AuthingDeleteBody = z.strictObject({ organizationCode, departmentId: z.string(), departmentIdType, tenantId: text });

export const AuthingGetQuery = z.strictObject({
  organizationCode,
  departmentId: z.string().optional(),
  departmentCode: z.string().optional().describe('Instead of departmentId: the department\'s code.'),
  departmentIdType,
  withCustomData: queryBoolean.optional().describe('Include customData (default false).'),
  flatCustomData: queryBoolean.optional().describe('Accepted; customData is always one object.'),
  tenantId: z.string().optional(),
});

export const AuthingListChildrenQuery = z.strictObject({
  organizationCode,
  departmentId: z.string().describe('The parent (as departmentIdType says); `root` lists the top level.'),
  departmentIdType,
  status: queryBoolean.optional().describe('true: active children only; false: inactive only.'),
  excludeVirtualNode: queryBoolean.optional(),
  onlyVirtualNode: queryBoolean.optional(),
  withCustomData: queryBoolean.optional(),
  tenantId: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(200).optional().describe('orgsync: page size, 1-200 (default 200).'),
  cursor: z.string().max(2048).optional().describe('orgsync: data.nextCursor of the previous page.'),
});

export const AuthingDepartment = z.strictObject({
  organizationCode: z.string(),
  departmentId: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  openDepartmentId: z.string().optional(),
  name: z.string(),
  leaderUserIds: z.array(z.string()),
  description: z.string().optional(),
  parentDepartmentId: z.string().describe('`root` for a top-level department.'),
  code: z.string().optional(),
  parentDepartmentCode: z.string().describe("The parent's code; `root` for a top-level department, \"\" for a parent without a code."),
  membersCount: z.int().nonnegative().describe('Direct members only.'),
  hasChildren: z.boolean(),
  isVirtualNode: z.boolean(),
  i18n: z.record(z.string(), z.unknown()).optional(),
  customData: z.record(z.string(), z.unknown()).optional(),
  posts: z.array(z.string()).describe('The post ids (orgsync keeps no post objects).'),
  postIdList: z.array(z.string()),
  status: z.boolean().describe('true: active; false: deactivated (deleted through this face).'),
  allow: z.string().describe('Always "[]": orgsync has no per-department access restriction.'),
});
export type AuthingDepartment = z.output<typeof AuthingDepartment>;

export const AuthingFailure = z
  .strictObject({
    statusCode: z.int().describe('The business status: 400, 401, 403, 404, 409, 429, 5xx.'),
    message: z.string(),
    apiCode: z.int().describe('The cause (docs/api.md, "Authing / GenAuth face").'),
    requestId: z.string(),
    data: z.null(),
  })
  .describe('A refused request: HTTP 200 with the status in statusCode (HTTP 429 and 5xx keep their status).');

const success = <T extends z.ZodType>(data: T) => z.strictObject({ statusCode: z.literal(200), message: z.string(), requestId: z.string(), data });

export const AuthingDepartmentAnswer = documented('AuthingDepartmentAnswer', z.union([success(AuthingDepartment), AuthingFailure]), [
  {
    statusCode: 200,
    message: 'Success',
    requestId: '934108e5-9fbf-4d24-8da1-c330328abd6c',
    data: {
      organizationCode: 'steamory',
      departmentId: 'dept_01JC6Z8W5Q2R3S4T5V6W7X8Y9Z',
      createdAt: '2022-07-03T03:20:30.000Z',
      updatedAt: '2022-07-03T03:20:30.000Z',
      openDepartmentId: 'ou_7dab8a3d3cdccxxxxxx777c7ad535d62',
      name: 'Development Department',
      leaderUserIds: [],
      description: 'Technical R&D Department',
      parentDepartmentId: 'root',
      code: 'develop',
      parentDepartmentCode: 'root',
      membersCount: 0,
      hasChildren: false,
      isVirtualNode: false,
      i18n: I18N_EXAMPLE,
      customData: { icon: 'https://example.com/logo' },
      posts: [],
      postIdList: [],
      status: true,
      allow: '[]',
    },
  },
  { statusCode: 409, message: 'Another department already has this name in the same scope.', apiCode: 40901, requestId: 'req_01JC6ZQ1S7V5X9G2B3N4M5K6P7', data: null },
]);

export const AuthingSuccessAnswer = z.union([success(z.strictObject({ success: z.boolean() })), AuthingFailure]);

export const AuthingListAnswer = z.union([
  success(
    z.strictObject({
      totalCount: z.int().nonnegative().describe('How many departments this answer lists.'),
      list: z.array(AuthingDepartment),
      nextCursor: z.string().nullable().describe('orgsync: pass as cursor for the next page; null on the last.'),
    }),
  ),
  AuthingFailure,
]);
