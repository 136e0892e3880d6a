/**
 * Stage 2 of the pipeline: one source record in the file's own vocabulary becomes
 * a DepartmentRow in ours, plus the problems found in its values. A row with
 * problems is still returned (with whatever keys could be read) so that rows
 * referencing it as a parent are reported as PARENT_FAILED, not PARENT_NOT_FOUND.
 */
import type { RowIssue } from '../errors.js';
import type { DepartmentFields, DepartmentRow, ParentRef, ParentRefType, SourceRecord } from '../model.js';
import { KEY_MAX_LENGTH, NAME_MAX_LENGTH } from '../model.js';
import { type ColumnMapping, type InputField } from './vocabulary.js';
import {
  charLength,
  isBlank,
  normaliseName,
  parseBoolean,
  parseIdList,
  parseJsonObject,
  parseLongText,
  parseText,
  type Parsed,
} from './values.js';

export interface NormaliseOptions {
  /** How generic parent columns (parentId, parent_id, parentDepartmentId, ...) are looked up. */
  parentRef: ParentRefType;
  /** Strip control characters from names instead of failing the row (--clean-names). */
  cleanNames?: boolean;
}

/** A name --clean-names changed, for the run report's warnings. */
export interface CleanedName {
  before: string;
  after: string;
}

export interface NormalisedRow {
  row: DepartmentRow;
  issues: RowIssue[];
  cleaned?: CleanedName;
}

const DEPARTMENT_ID_TYPES: Record<string, ParentRefType> = {
  departmentid: 'id',
  id: 'id',
  opendepartmentid: 'openDepartmentId',
  code: 'code',
};

const ROOT_WORDS = new Set(['root', 'null']);

/**
 * Our error report prefixes cells a spreadsheet would run as formulas with `'`
 * (see core/report/formulaSafe.ts); re-importing the fixed report must give back
 * the original values, so that prefix is removed again.
 */
function unneutralise(value: string): string {
  return /^'\s*[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/.test(value) ? value.slice(1) : value;
}

export function normaliseRecord(record: SourceRecord, mapping: ColumnMapping, options: NormaliseOptions): NormalisedRow {
  const issues: RowIssue[] = [];
  const rowNo = record.row;
  const issue = (code: RowIssue['code'], field: string, message: string): void => {
    issues.push({ row: rowNo, code, field, message });
  };

  /** The value of a canonical field; `undefined` when no column carries it. */
  const read = (field: InputField): unknown => {
    const columns = mapping.columnsByField.get(field);
    if (!columns) return mapping.defaults?.get(field);
    let chosen: { column: string; value: unknown } | undefined;
    for (const column of columns) {
      if (!Object.prototype.hasOwnProperty.call(record.values, column)) continue;
      const value = record.values[column];
      if (chosen === undefined || (isBlank(chosen.value) && !isBlank(value))) {
        chosen = { column, value };
      } else if (!isBlank(value) && JSON.stringify(value) !== JSON.stringify(chosen.value)) {
        issue('INVALID_FIELD', field, `columns "${chosen.column}" and "${column}" both give ${field}, with different values`);
      }
    }
    // A mapping's default stands in for a missing or empty value.
    const fallback = mapping.defaults?.get(field);
    if (fallback !== undefined && (chosen === undefined || isBlank(chosen.value))) return fallback;
    // A YAML/JSON record without the key: absent (null would mean "clear it").
    if (chosen === undefined) return undefined;
    return typeof chosen.value === 'string' ? unneutralise(chosen.value) : (chosen.value ?? null);
  };

  const fields: Partial<DepartmentFields> = {};
  const take = <K extends keyof DepartmentFields>(
    input: InputField,
    target: K,
    parse: (v: unknown) => Parsed<DepartmentFields[K] | null>,
  ): void => {
    const v = read(input);
    if (v === undefined) return;
    const parsed = parse(v);
    if (!parsed.ok) {
      issue('INVALID_FIELD', target, `${target} ${parsed.message}`);
      return;
    }
    (fields as Record<string, unknown>)[target] = parsed.value;
  };

  // name: required, 1-255 characters after normalisation.
  // A row without any name column may still update a stored department found by
  // code or openDepartmentId; the planner reports NAME_REQUIRED if it is new.
  const rawName = read('name');
  const name = normaliseName(rawName, { clean: options.cleanNames });
  let cleaned: CleanedName | undefined;
  if (name.ok && name.cleaned && name.value !== null) cleaned = { before: String(rawName), after: name.value };
  if (rawName === undefined) {
    // absent: keep the stored name
  } else if (!name.ok) issue('INVALID_FIELD', 'name', `name ${name.message}`);
  else if (name.value === null || name.value === '') issue('NAME_REQUIRED', 'name', 'name is required');
  else {
    const length = charLength(name.value);
    if (length > NAME_MAX_LENGTH) {
      issue('NAME_TOO_LONG', 'name', `name has ${length} characters; at most ${NAME_MAX_LENGTH} are allowed`);
    }
    fields.name = name.value;
  }

  take('description', 'description', (v) => parseLongText(v, 65_535));
  take('code', 'code', (v) => parseText(v, KEY_MAX_LENGTH));
  take('openDepartmentId', 'openDepartmentId', (v) => parseText(v, KEY_MAX_LENGTH));
  take('location', 'location', (v) => parseText(v, 1024));
  take('i18n', 'i18n', parseJsonObject);
  take('customData', 'customData', parseJsonObject);
  take('leaderUserIds', 'leaderUserIds', (v) => parseIdList(v, 191));
  take('postIds', 'postIds', (v) => parseIdList(v, 191));
  take('color', 'color', (v) => parseText(v, 32));
  take('tenantId', 'tenantId', (v) => parseText(v, 191));
  // Booleans: an empty cell means "not given", not false.
  for (const [input, target] of [
    ['isVirtual', 'isVirtual'],
    ['isActive', 'isActive'],
  ] as const) {
    const v = read(input);
    if (v === undefined) continue;
    const parsed = parseBoolean(v);
    if (!parsed.ok) issue('INVALID_FIELD', target, `${target} ${parsed.message}`);
    else if (parsed.value !== null) fields[target] = parsed.value;
  }

  const id = parseText(read('id'), KEY_MAX_LENGTH);
  if (!id.ok) issue('INVALID_FIELD', 'id', `id ${id.message}`);
  const organization = parseText(read('organization'), 191);
  if (!organization.ok) issue('INVALID_FIELD', 'organization', `organization ${organization.message}`);

  const parent = readParent(read, options.parentRef, issue);

  const row: DepartmentRow = { row: rowNo, raw: record.values, fields, parent };
  if (id.ok && id.value !== null) row.id = id.value;
  if (organization.ok && organization.value !== null) row.organization = organization.value;
  return cleaned ? { row, issues, cleaned } : { row, issues };
}

function readParent(
  read: (field: InputField) => unknown,
  defaultType: ParentRefType,
  issue: (code: RowIssue['code'], field: string, message: string) => void,
): ParentRef {
  let type = defaultType;
  const idType = read('departmentIdType');
  if (!isBlank(idType)) {
    const mapped = typeof idType === 'string' ? DEPARTMENT_ID_TYPES[idType.trim().toLowerCase().replace(/[_\s-]/g, '')] : undefined;
    if (mapped) type = mapped;
    else issue('INVALID_FIELD', 'departmentIdType', 'departmentIdType must be department_id, open_department_id or code');
  }
  // Typed columns win over the generic one only when the generic one is empty.
  const candidates: [InputField, ParentRefType][] = [
    ['parent', type],
    ['parentOpenDepartmentId', 'openDepartmentId'],
    ['parentCode', 'code'],
  ];
  let seen = false;
  for (const [field, refType] of candidates) {
    const v = read(field);
    if (v === undefined) continue;
    seen = true;
    if (isBlank(v)) continue;
    if (typeof v !== 'string' && typeof v !== 'number') {
      issue('INVALID_FIELD', 'parent', 'the parent reference must be text');
      return { kind: 'absent' };
    }
    const value = String(v).trim();
    // `root`/`null` mean top level only in the generic column (Authing's parentDepartmentId
    // convention); in parentCode or parentOpenDepartmentId they are ordinary keys.
    if (field === 'parent' && ROOT_WORDS.has(value.toLowerCase())) return { kind: 'root' };
    return { kind: 'ref', value, type: refType, field };
  }
  return seen ? { kind: 'root' } : { kind: 'absent' };
}
