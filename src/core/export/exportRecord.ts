/**
 * One stored department as a record of the importer's own vocabulary, so an
 * export imports again: into the same organization every row is unchanged,
 * into an empty one it rebuilds the same tree. Pure data, no I/O.
 */
import type { DepartmentFields, JsonValue } from '../model.js';

/**
 * What the rows name their parent by. The most robust key that every
 * department has: a code survives a move to another database or organization,
 * an openDepartmentId too; the orgsync id is the fallback that always exists.
 */
export type ExportParentKey = 'code' | 'openDepartmentId' | 'id';

/** A stored department with what its export row needs to know about its parent. */
export interface ExportDepartment extends DepartmentFields {
  id: string;
  parentId: string | null;
  depth: number;
  parentCode: string | null;
  parentOpenDepartmentId: string | null;
}

export function chooseParentKey(every: { code: boolean; openDepartmentId: boolean }): ExportParentKey {
  if (every.code) return 'code';
  if (every.openDepartmentId) return 'openDepartmentId';
  return 'id';
}

/**
 * The parent column's header names its key (the importer reads `parentCode`
 * as a code and `parentOpenDepartmentId` as an openDepartmentId), so no
 * `--parent-ref` or mapping is needed. For ids, `departmentIdType` says so per row.
 */
const PARENT_COLUMN: Record<ExportParentKey, string> = {
  code: 'parentCode',
  openDepartmentId: 'parentOpenDepartmentId',
  id: 'parentDepartmentId',
};

/** The columns, in order, of an export whose parents are referenced by `key`. */
export function exportColumns(key: ExportParentKey): string[] {
  const identity = key === 'id' ? ['id', 'code', 'openDepartmentId'] : ['code', 'openDepartmentId'];
  const parent = key === 'id' ? [PARENT_COLUMN.id, 'departmentIdType'] : [PARENT_COLUMN[key]];
  return [
    ...identity,
    'name',
    ...parent,
    'description',
    'location',
    'i18n',
    'customData',
    'isVirtualNode',
    'leaderUserIds',
    'postIdList',
    'color',
    'tenantId',
    'isActive',
  ];
}

function parentValue(d: ExportDepartment, key: ExportParentKey): string | null {
  if (d.parentId === null) return null;
  if (key === 'code') return d.parentCode;
  if (key === 'openDepartmentId') return d.parentOpenDepartmentId;
  return d.parentId;
}

/** The record's values in exportColumns(key) order. Null is "empty" (top level for the parent column). */
export function exportValues(d: ExportDepartment, key: ExportParentKey): JsonValue[] {
  const identity: JsonValue[] = key === 'id' ? [d.id, d.code, d.openDepartmentId] : [d.code, d.openDepartmentId];
  const parent: JsonValue[] = key === 'id' ? [parentValue(d, key), 'department_id'] : [parentValue(d, key)];
  return [
    ...identity,
    d.name,
    ...parent,
    d.description,
    d.location,
    d.i18n,
    d.customData,
    d.isVirtual,
    d.leaderUserIds,
    d.postIds,
    d.color,
    d.tenantId,
    d.isActive,
  ];
}
