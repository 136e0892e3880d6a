/**
 * Stage 2 of the pipeline: one source record in the file's own vocabulary becomes
 * a DepartmentRow in ours, plus the problems found in its values. A row with
 * problems is still returned (with whatever keys could be read) so that rows
 * referencing it as a parent are reported as PARENT_FAILED, not PARENT_NOT_FOUND.
 */
import { NO_ISSUES, type RowIssue } from '../errors.js';
import type { DepartmentFields, DepartmentRow, ParentRef, ParentRefType, SourceRecord } from '../model.js';
import { KEY_MAX_LENGTH, NAME_MAX_LENGTH } from '../model.js';
import { type ColumnMapping, type InputField } from './vocabulary.js';
import { givenFields } from './givenFields.js';
import { ParentByValue, RowWithIssues } from './rowObjects.js';
import { INVISIBLE_REMOVED, LONE_SURROGATE_MESSAGE, checkInvisible, containsLoneSurrogate } from './characters.js';
import {
  charLength,
  isBlank,
  normaliseName,
  parseBoolean,
  parseIdList,
  parseJsonObject,
  parseKeyText,
  parseLongText,
  parseText,
  type Parsed,
} from './values.js';

export interface NormaliseOptions {
  /** How generic parent columns (parentId, parent_id, parentDepartmentId, ...) are looked up. */
  parentRef: ParentRefType;
  /**
   * --clean-names: remove control characters from names, and invisible
   * formatting characters (characters.ts) from names, keys and parent
   * references, instead of failing the row.
   */
  cleanNames?: boolean;
}

/** A name or key --clean-names changed, for the run report's warnings. */
export interface CleanedName {
  /** `name`, `code`, `openDepartmentId`, `id` or `parent`. */
  field: string;
  before: string;
  after: string;
  /** What was removed, as the warning says it (e.g. "control characters"). */
  removed: string;
}

export interface NormalisedRow {
  row: DepartmentRow;
  issues: RowIssue[];
  cleaned?: CleanedName[];
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
  // The first character is compared before the pattern is run: every string cell passes here.
  return value.charCodeAt(0) === 0x27 && NEUTRALISED.test(value) ? value.slice(1) : value;
}
const NEUTRALISED = /^'\s*[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/;

/**
 * What the field readers below share for one record. Plain functions over it
 * rather than closures made per record: this runs for every row of every
 * import, and each closure made per row costs an allocation plus, under tsx
 * (esbuild's keepNames), a defineProperty call to name it.
 */
interface RecordScope {
  values: Record<string, unknown>;
  rowNo: number;
  mapping: ColumnMapping;
  issues: RowIssue[];
  clean: boolean;
  cleaned: CleanedName[] | undefined;
  /** The fields some column or default gives (givenFields). */
  given: ReadonlySet<InputField>;
}

function noteCleaned(scope: RecordScope, field: string, before: unknown, after: string, removed: string): void {
  (scope.cleaned ??= []).push({ field, before: String(before), after, removed });
}

function addIssue(scope: RecordScope, code: RowIssue['code'], field: string, message: string): void {
  // Made on the first issue: most rows have none (NO_ISSUES, shared).
  if (scope.issues === NO_ISSUES) scope.issues = [];
  scope.issues.push({ row: scope.rowNo, code, field, message });
}

/** The value of a canonical field; `undefined` when no column carries it. */
function readField(scope: RecordScope, field: InputField): unknown {
  const { mapping, values } = scope;
  const columns = mapping.columnsByField.get(field);
  if (!columns) return mapping.defaults?.get(field);
  let chosenColumn: string | undefined;
  let chosenValue: unknown;
  for (const column of columns) {
    if (!Object.prototype.hasOwnProperty.call(values, column)) continue;
    const value = values[column];
    if (chosenColumn === undefined || (isBlank(chosenValue) && !isBlank(value))) {
      chosenColumn = column;
      chosenValue = value;
    } else if (!isBlank(value) && JSON.stringify(value) !== JSON.stringify(chosenValue)) {
      addIssue(scope, 'INVALID_FIELD', field, `columns "${chosenColumn}" and "${column}" both give ${field}, with different values`);
    }
  }
  // A mapping's default stands in for a missing or empty value.
  const fallback = mapping.defaults?.get(field);
  const useFallback = fallback !== undefined && (chosenColumn === undefined || isBlank(chosenValue));
  // The one gate every field of every record passes (files and HTTP bodies):
  // an unpaired surrogate cannot be stored as it was written, so it fails the row.
  if (containsLoneSurrogate(useFallback ? fallback : chosenValue)) {
    const reported = field.startsWith('parent') ? 'parent' : field;
    addIssue(scope, 'INVALID_FIELD', reported, `${reported} ${LONE_SURROGATE_MESSAGE}`);
    return undefined;
  }
  if (useFallback) return fallback;
  // A YAML/JSON record without the key: absent (null would mean "clear it").
  if (chosenColumn === undefined) return undefined;
  return typeof chosenValue === 'string' ? unneutralise(chosenValue) : (chosenValue ?? null);
}

function take<K extends keyof DepartmentFields>(
  scope: RecordScope,
  fields: Partial<DepartmentFields>,
  input: InputField,
  target: K,
  parse: (v: unknown) => Parsed<DepartmentFields[K] | null> & { cleaned?: string },
): void {
  if (!scope.given.has(input)) return;
  const v = readField(scope, input);
  if (v === undefined) return;
  const parsed = parse(v);
  if (!parsed.ok) {
    addIssue(scope, 'INVALID_FIELD', target, `${target} ${parsed.message}`);
    return;
  }
  if (parsed.cleaned) noteCleaned(scope, target, v, String(parsed.value), parsed.cleaned);
  (fields as Record<string, unknown>)[target] = parsed.value;
}

// The field parsers, made once (not per record).
const parseDescription = (v: unknown) => parseLongText(v, 65_535);
const parseKey = (v: unknown) => parseKeyText(v, KEY_MAX_LENGTH, false);
const parseKeyClean = (v: unknown) => parseKeyText(v, KEY_MAX_LENGTH, true);
const parseLocation = (v: unknown) => parseText(v, 1024);
/**
 * JSON fields and id lists are stored as JSON: each at most this many bytes of
 * it, checked here, before any write, so a department row always fits one
 * statement (MariaDB's max_allowed_packet is 16 MB; see docs/operations.md).
 */
export const JSON_FIELD_MAX_BYTES = 65_535;

function withinJsonBytes<T>(parsed: Parsed<T>): Parsed<T> {
  if (!parsed.ok || parsed.value === null) return parsed;
  const bytes = Buffer.byteLength(JSON.stringify(parsed.value), 'utf8');
  return bytes <= JSON_FIELD_MAX_BYTES ? parsed : { ok: false, message: `is ${bytes} bytes as JSON; at most ${JSON_FIELD_MAX_BYTES} are allowed` };
}
const parseJsonField = (v: unknown) => withinJsonBytes(parseJsonObject(v));
const parseId191List = (v: unknown) => withinJsonBytes(parseIdList(v, 191));
const parseColor = (v: unknown) => parseText(v, 32);
const parseText191 = (v: unknown) => parseText(v, 191);

export function normaliseRecord(record: SourceRecord, mapping: ColumnMapping, options: NormaliseOptions): NormalisedRow {
  const rowNo = record.row;
  const clean = options.cleanNames === true;
  const scope: RecordScope = { values: record.values, rowNo, mapping, issues: NO_ISSUES, clean, cleaned: undefined, given: givenFields(mapping) };

  const fields: Partial<DepartmentFields> = {};

  // name: required, 1-255 characters after normalisation.
  // A row without any name column may still update a stored department found by
  // code or openDepartmentId; the planner reports NAME_REQUIRED if it is new.
  const rawName = readField(scope, 'name');
  const name = normaliseName(rawName, { clean });
  if (name.ok && name.cleaned && name.value !== null) noteCleaned(scope, 'name', rawName, name.value, name.cleaned);
  if (rawName === undefined) {
    // absent: keep the stored name
  } else if (!name.ok) addIssue(scope, 'INVALID_FIELD', 'name', `name ${name.message}`);
  else if (name.value === null || name.value === '') addIssue(scope, 'NAME_REQUIRED', 'name', 'name is required');
  else {
    // A string has at least as many UTF-16 units as characters: count only a long one.
    const length = name.value.length > NAME_MAX_LENGTH ? charLength(name.value) : 0;
    if (length > NAME_MAX_LENGTH) {
      addIssue(scope, 'NAME_TOO_LONG', 'name', `name has ${length} characters; at most ${NAME_MAX_LENGTH} are allowed`);
    }
    fields.name = name.value;
  }

  take(scope, fields, 'description', 'description', parseDescription);
  take(scope, fields, 'code', 'code', clean ? parseKeyClean : parseKey);
  take(scope, fields, 'openDepartmentId', 'openDepartmentId', clean ? parseKeyClean : parseKey);
  take(scope, fields, 'location', 'location', parseLocation);
  take(scope, fields, 'i18n', 'i18n', parseJsonField);
  take(scope, fields, 'customData', 'customData', parseJsonField);
  take(scope, fields, 'leaderUserIds', 'leaderUserIds', parseId191List);
  take(scope, fields, 'postIds', 'postIds', parseId191List);
  take(scope, fields, 'color', 'color', parseColor);
  take(scope, fields, 'tenantId', 'tenantId', parseText191);
  // Booleans: an empty cell means "not given", not false.
  for (const target of BOOLEAN_FIELDS) {
    const v = readField(scope, target);
    if (v === undefined) continue;
    const parsed = parseBoolean(v);
    if (!parsed.ok) addIssue(scope, 'INVALID_FIELD', target, `${target} ${parsed.message}`);
    else if (parsed.value !== null) fields[target] = parsed.value;
  }

  const rawId = readField(scope, 'id');
  const id = parseKeyText(rawId, KEY_MAX_LENGTH, clean);
  if (!id.ok) addIssue(scope, 'INVALID_FIELD', 'id', `id ${id.message}`);
  else if (id.cleaned && id.value !== null) noteCleaned(scope, 'id', rawId, id.value, id.cleaned);
  const organization = parseText(readField(scope, 'organization'), 191);
  if (!organization.ok) addIssue(scope, 'INVALID_FIELD', 'organization', `organization ${organization.message}`);

  const parent = readParent(scope, options.parentRef);

  const row: DepartmentRow = { row: rowNo, raw: record.values, fields, parent };
  if (id.ok && id.value !== null) row.id = id.value;
  if (organization.ok && organization.value !== null) row.organization = organization.value;
  const { issues } = scope;
  // A constructor, not a literal: see rowObjects.ts.
  return scope.cleaned ? { row, issues, cleaned: scope.cleaned } : new RowWithIssues(row, issues);
}

/** Boolean fields: the input field and the department field share the name. */
const BOOLEAN_FIELDS = ['isVirtual', 'isActive'] as const;

/**
 * The parent columns in the order they are read, by the type the generic
 * column has. Typed columns win over the generic one only when the generic
 * one is empty. (Made once per type, not per record.)
 */
const PARENT_CANDIDATES: Record<ParentRefType, readonly (readonly [InputField, ParentRefType])[]> = {
  auto: parentCandidates('auto'),
  id: parentCandidates('id'),
  openDepartmentId: parentCandidates('openDepartmentId'),
  code: parentCandidates('code'),
};

function parentCandidates(type: ParentRefType): readonly (readonly [InputField, ParentRefType])[] {
  return [
    ['parent', type],
    ['parentOpenDepartmentId', 'openDepartmentId'],
    ['parentCode', 'code'],
  ];
}

function readParent(scope: RecordScope, defaultType: ParentRefType): ParentRef {
  let type = defaultType;
  const idType = readField(scope, 'departmentIdType');
  if (!isBlank(idType)) {
    const mapped = typeof idType === 'string' ? DEPARTMENT_ID_TYPES[idType.trim().toLowerCase().replace(/[_\s-]/g, '')] : undefined;
    if (mapped) type = mapped;
    else addIssue(scope, 'INVALID_FIELD', 'departmentIdType', 'departmentIdType must be department_id, open_department_id or code');
  }
  const candidates = PARENT_CANDIDATES[type];
  let seen = false;
  for (const [field, refType] of candidates) {
    const v = readField(scope, field);
    if (v === undefined) continue;
    seen = true;
    if (isBlank(v)) continue;
    if (typeof v !== 'string' && typeof v !== 'number') {
      addIssue(scope, 'INVALID_FIELD', 'parent', 'the parent reference must be text');
      return { kind: 'absent' };
    }
    let value = String(v).trim();
    // Keys carry no invisible characters (see characters.ts), so neither do references to them.
    const invisible = checkInvisible(value, scope.clean);
    if (!invisible.ok) {
      addIssue(scope, 'INVALID_FIELD', 'parent', `the parent reference ${invisible.message}`);
      return { kind: 'absent' };
    }
    if (invisible.cleaned) {
      noteCleaned(scope, 'parent', value, invisible.value.trim(), INVISIBLE_REMOVED);
      value = invisible.value.trim();
    }
    // `root`/`null` mean the top level in every parent column (Authing's parentDepartmentId
    // convention), unless a department has that exact key: the planner decides (plan/match.ts).
    // Both words have 4 letters, and no other character lower-cases to one of theirs: other values
    // are not lower-cased (a new string per row).
    if (value.length === 4 && ROOT_WORDS.has(value.toLowerCase())) return { kind: 'ref', value, type: refType, field, rootWord: true };
    return new ParentByValue(value, refType, field);
  }
  return seen ? { kind: 'root' } : { kind: 'absent' };
}
