/** The export's port without a database, for unit tests of the export. */
import type { DepartmentExportPort } from '../../src/app/exportDepartments.js';
import type { ExportDepartment } from '../../src/core/export/exportRecord.js';
import type { StoredDepartment } from '../../src/core/model.js';

/** An in-memory port with the adapter's contract: keyset pages by (depth, id). */
export function memoryExportPort(departments: readonly StoredDepartment[]): DepartmentExportPort {
  const byId = new Map(departments.map((d) => [d.id, d]));
  const ordered = [...departments].sort((a, b) => a.depth - b.depth || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return {
    everyDepartmentHas: async (_org, key) => departments.every((d) => d[key] !== null),
    page: async (_org, { activeOnly, after, limit }) =>
      ordered
        .filter((d) => !activeOnly || d.isActive)
        .filter((d) => after === null || d.depth > after.depth || (d.depth === after.depth && d.id > after.id))
        .slice(0, limit)
        .map(
          (d): ExportDepartment => ({
            ...d,
            parentCode: d.parentId === null ? null : byId.get(d.parentId)!.code,
            parentOpenDepartmentId: d.parentId === null ? null : byId.get(d.parentId)!.openDepartmentId,
          }),
        ),
  };
}

