/**
 * Request shapes of the department write routes (PATCH, DELETE). As for
 * create (schemas/departments.ts), the schema checks JSON types only: values
 * are judged by the importer's normaliser and the database's unique indexes
 * (app/departmentWrites.ts). The answer is the Department object.
 */
import { z } from 'zod';
import { documented, queryBoolean } from './common.js';
import { departmentBody, FIELD_TYPES } from './departmentBody.js';
import { PATCHABLE_FIELDS } from '../../../app/departmentWrites.js';
import type { InputField } from '../../../core/normalise/vocabulary.js';

const T = FIELD_TYPES;

/** Why a PATCH refuses a field the importer knows (the others it takes under any of their names). */
function patchRefusal(field: InputField): string | undefined {
  if ((PATCHABLE_FIELDS as ReadonlySet<string>).has(field)) return undefined;
  if (field === 'parent' || field === 'parentCode' || field === 'parentOpenDepartmentId' || field === 'departmentIdType') {
    return 'the parent is changed by a move: POST /v1/organizations/{org}/departments/{id}/reparent';
  }
  if (field === 'id') return 'the department is the one the URL names; its id cannot change';
  if (field === 'organization') return 'a department stays in its organization';
  return 'cannot be changed by PATCH';
}

export const UpdateDepartmentBody = documented(
  'UpdateDepartmentBody',
  departmentBody(
    {
      name: T.name.optional().describe("Unique in the organization (or among siblings, by the organization's name scope). 1-255 characters."),
      description: T.description.optional(),
      code: T.code.optional().describe('Unique in the organization.'),
      openDepartmentId: T.openDepartmentId.optional().describe('Your own id for the department; unique in the organization.'),
      location: T.location.optional(),
      i18n: T.i18n.optional(),
      customData: T.customData.optional(),
      isVirtualNode: T.isVirtual.optional(),
      leaderUserIds: T.leaderUserIds.optional(),
      postIdList: T.postIds.optional(),
      color: T.color.optional(),
      is_active: T.isActive
        .optional()
        .describe('false deactivates (refused while active children exist); true reactivates (refused under an inactive parent).'),
    },
    patchRefusal,
  ).describe(
    'The fields to change; the others keep their values. Each is also accepted under any name the importer accepts for it ' +
      '(`open_department_id`, `desc`, `status`...: docs/api.md). The parent is changed by a move, not here.',
  ),
  [{ name: 'Platform', code: 'PLAT' }, { is_active: false }, { open_department_id: 'ou_platform', desc: 'The platform team' }],
);
export type UpdateDepartmentBody = z.output<typeof UpdateDepartmentBody>;

export const DeactivateDepartmentQuery = z.object({
  cascade: queryBoolean.optional().describe('`true`: deactivate the whole active subtree too (otherwise refused while active children exist).'),
});
