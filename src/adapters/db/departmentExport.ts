/**
 * The export's reads (app/exportDepartments.ts): departments in keyset pages
 * ordered by (depth, id), served by departments_org_depth_id_idx (migration
 * 0007), each with its parent's code and openDepartmentId from one self-join,
 * so no page needs any department outside it.
 */
import type { DepartmentExportPort } from '../../app/ports.js';
import type { ExportDepartment } from '../../core/export/exportRecord.js';
import type { Db } from './connection.js';
import { type DepartmentRow, MODEL_COLUMNS, toDepartment } from './departmentRows.js';
import { TABLES } from './tables.js';

type ExportRow = DepartmentRow & { parent_code: string | null; parent_open_department_id: string | null };

const KEY_COLUMN = { code: 'code', openDepartmentId: 'open_department_id' } as const;

export function departmentExportSource(db: Db): DepartmentExportPort {
  const table = TABLES.departments;
  return {
    async everyDepartmentHas(organizationId, key) {
      const missing = await db
        .knex(table)
        .select('id')
        .where('organization_id', organizationId)
        .whereNull(KEY_COLUMN[key])
        .first();
      return missing === undefined;
    },

    async page(organizationId, { activeOnly, after, limit }): Promise<ExportDepartment[]> {
      const q = db
        .knex({ d: table })
        .leftJoin({ p: table }, 'p.id', 'd.parent_id')
        .select([...MODEL_COLUMNS.map((c) => `d.${c}`), 'p.code as parent_code', 'p.open_department_id as parent_open_department_id'])
        .where('d.organization_id', organizationId);
      if (activeOnly) q.where('d.is_active', true);
      if (after !== null) {
        q.andWhere((w) => {
          void w.where('d.depth', '>', after.depth).orWhere((same) => void same.where('d.depth', after.depth).andWhere('d.id', '>', after.id));
        });
      }
      const rows = (await q.orderBy([{ column: 'd.depth' }, { column: 'd.id' }]).limit(limit)) as ExportRow[];
      return rows.map((r) => ({ ...toDepartment(r), parentCode: r.parent_code, parentOpenDepartmentId: r.parent_open_department_id }));
    },
  };
}
