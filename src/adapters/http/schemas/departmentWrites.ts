/**
 * Request shapes of the department write routes (PATCH, DELETE). As for
 * create (schemas/departments.ts), the schema checks JSON types only: values
 * are judged by the importer's normaliser and the database's unique indexes
 * (app/departmentWrites.ts). The answer is the Department object.
 */
import { z } from 'zod';
import { documented, queryBoolean } from './common.js';

const text = z.string().nullable();
const jsonObject = z.record(z.string(), z.unknown()).nullable();
const idList = z.array(z.string()).nullable();

export const UpdateDepartmentBody = documented(
  'UpdateDepartmentBody',
  z
    .strictObject({
      name: z.string().meta({ minLength: 1, maxLength: 255 }).optional().describe("Unique in the organization (or among siblings, by the organization's name scope). 1-255 characters."),
      description: text.optional(),
      code: text.optional().describe('Unique in the organization.'),
      openDepartmentId: text.optional().describe('Your own id for the department; unique in the organization.'),
      location: text.optional(),
      i18n: jsonObject.optional(),
      customData: jsonObject.optional(),
      isVirtualNode: z.boolean().optional(),
      leaderUserIds: idList.optional(),
      postIdList: idList.optional(),
      color: text.optional(),
      is_active: z
        .boolean()
        .optional()
        .describe('false deactivates (refused while active children exist); true reactivates (refused under an inactive parent).'),
    })
    .describe('The fields to change; the others keep their values. The parent is changed by a move, not here.'),
  [{ name: 'Platform', code: 'PLAT' }, { is_active: false }],
);
export type UpdateDepartmentBody = z.output<typeof UpdateDepartmentBody>;

export const DeactivateDepartmentQuery = z.object({
  cascade: queryBoolean.optional().describe('`true`: deactivate the whole active subtree too (otherwise refused while active children exist).'),
});
