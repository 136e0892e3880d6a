/**
 * Domain types shared by every stage of the import pipeline. Pure data: no I/O.
 */
import type { RowIssue } from './errors.js';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export type NameScope = 'organization' | 'siblings';
export const NAME_SCOPES: readonly NameScope[] = ['organization', 'siblings'];

export type ImportMode = 'upsert' | 'sync';
export const IMPORT_MODES: readonly ImportMode[] = ['upsert', 'sync'];

/** How a parent reference is looked up (Authing's departmentIdType). */
export type ParentRefType = 'auto' | 'id' | 'openDepartmentId' | 'code';
export const PARENT_REF_TYPES: readonly ParentRefType[] = ['auto', 'id', 'openDepartmentId', 'code'];

/** Which key identifies an existing department. `auto`: id, then openDepartmentId, then code, then name within parent. */
export type MatchBy = 'auto' | 'id' | 'openDepartmentId' | 'code' | 'name';
export const MATCH_BY: readonly MatchBy[] = ['auto', 'id', 'openDepartmentId', 'code', 'name'];

/** `ndjson`: one JSON object (one department) per line, read as a stream. */
export type InputFormat = 'csv' | 'yaml' | 'json' | 'ndjson' | 'xlsx';

export interface Organization {
  id: string;
  code: string;
  name: string;
  nameScope: NameScope;
}

/** The fields an import (or the HTTP API) may set on a department. */
export interface DepartmentFields {
  name: string;
  description: string | null;
  code: string | null;
  openDepartmentId: string | null;
  location: string | null;
  i18n: JsonObject | null;
  customData: JsonObject | null;
  leaderUserIds: string[] | null;
  postIds: string[] | null;
  isVirtual: boolean;
  isActive: boolean;
  color: string | null;
  tenantId: string | null;
}

export type DepartmentFieldName = keyof DepartmentFields;

/** A department as stored in the database (and as the planner wants it to be). */
export interface StoredDepartment extends DepartmentFields {
  id: string;
  organizationId: string;
  parentId: string | null;
  /** Ids from the root down to the department itself: `/dept_root/dept_child`. */
  path: string;
  /** 0 for a top-level department. */
  depth: number;
  memberCount: number;
}

/** Where a row says its parent is. */
export type ParentRef =
  | { kind: 'absent' } // the input has no parent column/key for this row: keep the stored parent (top level if new)
  | { kind: 'root' } // explicitly top level: `root`, empty or null
  | ParentRefValue
  /**
   * The parent is another row of the input, by its index in the rows handed to
   * the planner: a nested org chart's enclosing node, or a path's prefix.
   * `declared` is a parent reference the row also gives; it must agree.
   */
  | { kind: 'link'; idx: number; declared?: { kind: 'root' } | ParentRefValue };

/** A parent named by a value (an id, openDepartmentId or code), looked up as `type` says. */
export interface ParentRefValue {
  kind: 'ref';
  value: string;
  type: ParentRefType;
  field: string;
  /** The value is `root` or `null`: the top level, unless a department has that exact key (see plan/match.ts). */
  rootWord?: true;
}

/** One input record after vocabulary normalisation. */
export interface DepartmentRow {
  /** Spreadsheet line (CSV) or editor line (YAML/JSON) of the record. */
  row: number;
  /** The record as read, for the fix-and-reimport error report. */
  raw: Record<string, unknown>;
  /** Only the fields the input actually gave; absent fields keep stored values. */
  fields: Partial<DepartmentFields>;
  /** The row's own id: a stored department id, or a file-local id other rows may reference. */
  id?: string;
  parent: ParentRef;
  /** organizationCode / organization_id given on the row, if any. */
  organization?: string;
}

/** A raw record as a reader produces it. Keys are the file's own column names. */
export interface SourceRecord {
  row: number;
  /** Null-prototype object: keys such as `__proto__` are plain data here. */
  values: Record<string, unknown>;
  /**
   * Nested org charts (YAML/JSON `children:`): the index, in the order the
   * reader hands records out, of the record this one is nested in. Parents
   * always come before their children.
   */
  nestedIn?: number;
}

export type RowAction = 'created' | 'updated' | 'moved' | 'unchanged' | 'merged' | 'failed' | 'skipped';

/** Rows that were not written because of an error, their own or an ancestor's: the rows the error reports list for fixing. */
export const FAILED_OR_SKIPPED = ['failed', 'skipped'] as const satisfies readonly RowAction[];

export function isFailedOrSkipped(action: string): action is (typeof FAILED_OR_SKIPPED)[number] {
  return action === 'failed' || action === 'skipped';
}

export interface RowResult {
  row: number;
  key: string;
  action: RowAction;
  departmentId?: string;
  /** For `merged`: the row this one duplicated. */
  mergedInto?: number;
  errors: RowIssue[];
}

export interface ImportCounts {
  rows: number;
  created: number;
  updated: number;
  moved: number;
  unchanged: number;
  merged: number;
  deactivated: number;
  failed: number;
  skipped: number;
  /** With a member column (--member-column): memberships added and removed. */
  membersAdded?: number;
  membersRemoved?: number;
}

export function emptyCounts(): ImportCounts {
  return { rows: 0, created: 0, updated: 0, moved: 0, unchanged: 0, merged: 0, deactivated: 0, failed: 0, skipped: 0 };
}

/** A change to one stored department. `after` is the full new state. */
export interface DepartmentUpdate {
  before: StoredDepartment;
  after: StoredDepartment;
  /** Fields whose value differs, so the writer and the report know what changed. */
  changed: (keyof StoredDepartment)[];
}

/** What the planner decided. Pure data; the apply stage turns it into batched writes. */
export interface ImportPlan {
  /** New departments, parents before children. */
  creates: StoredDepartment[];
  /** Changed departments (rows of the file and descendants of moved ones), parents before children. */
  updates: DepartmentUpdate[];
  /** Departments a sync deactivates (their `after` state has isActive false). */
  deactivations: DepartmentUpdate[];
  rowResults: RowResult[];
  errors: RowIssue[];
  counts: ImportCounts;
  warnings: string[];
  /** With a member column: the memberships to write (see core/members/plan.ts). */
  members?: MembersPlan;
}

export interface Membership {
  departmentId: string;
  memberId: string;
}

/**
 * Memberships of one department: its member ids, each once. A plan lists
 * them per department, not as one Membership per pair: an HRIS export adds a
 * membership per row, and 1,000,000 pair objects were ~48 MB held through
 * the whole write (the ids themselves are the shape stage's strings).
 */
export interface DepartmentMemberIds {
  departmentId: string;
  memberIds: readonly string[];
}

/** Direct memberships an import adds and removes, and the member_count of departments whose count changes. */
export interface MembersPlan {
  adds: DepartmentMemberIds[];
  removes: DepartmentMemberIds[];
  counts: { departmentId: string; memberCount: number }[];
}

/** Each (department, member) pair of a plan's adds or removes, in order, made as it is read. */
export function* memberships(lists: readonly DepartmentMemberIds[]): Generator<Membership> {
  for (const { departmentId, memberIds } of lists) for (const memberId of memberIds) yield { departmentId, memberId };
}

/** How many memberships the lists hold. */
export function membershipCount(lists: readonly DepartmentMemberIds[]): number {
  let n = 0;
  for (const l of lists) n += l.memberIds.length;
  return n;
}

export const DEPARTMENT_ID_PREFIX = 'dept_';
export const ORGANIZATION_ID_PREFIX = 'org_';
export const NAME_MAX_LENGTH = 255;
export const KEY_MAX_LENGTH = 512;
