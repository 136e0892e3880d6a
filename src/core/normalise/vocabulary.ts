/**
 * The vocabularies departments come in. Each seed API (Authing/GenAuth, Aitronos,
 * the clients API, the HR app) names the same things differently; a column or key
 * is matched case-insensitively, ignoring `_`, `-`, `.` and spaces, so
 * `openDepartmentId`, `open_department_id` and `Open Department ID` are one field.
 */

/** Canonical input fields. `parent` is a reference whose type comes from --parent-ref or departmentIdType. */
export type InputField =
  | 'id'
  | 'name'
  | 'description'
  | 'code'
  | 'openDepartmentId'
  | 'parent'
  | 'parentCode'
  | 'parentOpenDepartmentId'
  | 'departmentIdType'
  | 'location'
  | 'i18n'
  | 'customData'
  | 'isVirtual'
  | 'leaderUserIds'
  | 'postIds'
  | 'color'
  | 'tenantId'
  | 'isActive'
  | 'organization';

const ALIASES: Record<InputField, readonly string[]> = {
  id: ['id', 'departmentid', '_id', 'deptid'],
  name: ['name', 'departmentname', 'deptname'],
  description: ['description', 'desc'],
  code: ['code', 'departmentcode', 'deptcode'],
  openDepartmentId: ['opendepartmentid', 'opendeptid'],
  parent: ['parentdepartmentid', 'parentid', 'parentdepartment', 'parent', 'parentdeptid'],
  parentCode: ['parentcode', 'parentdepartmentcode'],
  parentOpenDepartmentId: ['parentopendepartmentid'],
  departmentIdType: ['departmentidtype', 'parentidtype'],
  location: ['location'],
  i18n: ['i18n'],
  customData: ['customdata'],
  isVirtual: ['isvirtualnode', 'isvirtual', 'virtualnode'],
  leaderUserIds: ['leaderuserids', 'leaderids'],
  postIds: ['postidlist', 'postids'],
  color: ['color', 'colour'],
  tenantId: ['tenantid'],
  isActive: ['status', 'isactive', 'active'],
  organization: ['organizationcode', 'organizationid', 'orgcode'],
};

/**
 * Columns that exports of ours or of the seed APIs carry but an import never sets
 * (they are computed): accepted silently so an export can be re-imported.
 * The error columns of our fix-and-reimport CSV are here too.
 */
const READ_ONLY = new Set(
  [
    'path',
    'depth',
    'membercount',
    'memberscount',
    'haschildren',
    'createdat',
    'updatedat',
    'createdby',
    'isdefault',
    'lastimportrunid',
    'metadata',
    'posts',
    'allow',
    'errorrow',
    'errorcode',
    'errorfield',
    'errormessage',
  ].map((k) => k),
);

/** Every accepted alias key with its field, for suggestions (columnSuggest.ts). */
export function aliasKeys(): readonly (readonly [key: string, field: InputField])[] {
  return [...BY_KEY.entries()];
}

const BY_KEY = new Map<string, InputField>();
for (const [field, keys] of Object.entries(ALIASES) as [InputField, readonly string[]][]) {
  for (const key of keys) BY_KEY.set(key, field);
}

export function vocabularyKey(column: string): string {
  return column.trim().toLowerCase().replace(/[\s_\-.]+/g, '');
}

export function fieldForColumn(column: string): InputField | 'ignored' | undefined {
  const key = vocabularyKey(column);
  if (key === '') return undefined;
  const field = BY_KEY.get(key);
  if (field) return field;
  return READ_ONLY.has(key) ? 'ignored' : undefined;
}

export interface ColumnMapping {
  /** For each canonical field, the input columns that carry it, in file order. */
  columnsByField: Map<InputField, string[]>;
  /** Columns that match no known field. */
  unknown: string[];
  /** Values standing in for a field no column gives, or an empty cell (a mapping's `defaults`). */
  defaults?: ReadonlyMap<InputField, unknown>;
}

export function mapColumns(columns: readonly string[]): ColumnMapping {
  const columnsByField = new Map<InputField, string[]>();
  const unknown: string[] = [];
  for (const column of columns) {
    const field = fieldForColumn(column);
    if (field === 'ignored') continue;
    if (field === undefined) {
      unknown.push(column);
      continue;
    }
    const list = columnsByField.get(field);
    if (list) list.push(column);
    else columnsByField.set(field, [column]);
  }
  return { columnsByField, unknown };
}

/** Aliases per field, for docs and `--help`. */
export function aliasesOf(field: InputField): readonly string[] {
  return ALIASES[field];
}
