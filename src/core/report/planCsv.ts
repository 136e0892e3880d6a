/**
 * The plan report (`orgsync import --dry-run --plan-report plan.csv`, and
 * `orgsync report RUN --format plan-csv`): every entry of a plan preview
 * (core/plan/preview.ts), one CSV row per change, complete where the text
 * report is cut. Separate from the fix-and-reimport error report, whose
 * shape is the input's own. Cells are formula-neutralised like that one's.
 */
import type { PlanPreview } from '../plan/preview.js';
import { neutraliseFormula } from './formulaSafe.js';

export const PLAN_REPORT_COLUMNS = [
  'action',
  'id',
  'name',
  'path',
  'parent_path_before',
  'parent_path_after',
  'field',
  'before',
  'after',
  'member_count',
  'active_children',
  'member_id',
] as const;

type PlanRow = Partial<Record<(typeof PLAN_REPORT_COLUMNS)[number], unknown>>;

const cellText = (v: unknown): string => (v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v));

function csvCell(v: unknown): string {
  const text = neutraliseFormula(cellText(v));
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Rows one at a time (a plan can list a whole organization). */
export function* planReportRows(plan: PlanPreview): Generator<PlanRow> {
  for (const c of plan.created) yield { action: 'created', id: c.id, name: c.name, parent_path_after: c.parentPath, field: c.code === null ? undefined : 'code', after: c.code };
  for (const u of plan.updated) {
    for (const ch of u.changes) yield { action: 'updated', id: u.id, name: u.name, path: u.path, field: ch.field, before: ch.before, after: ch.after };
  }
  for (const m of plan.moved) {
    yield { action: 'moved', id: m.id, name: m.name, parent_path_before: m.fromParentPath, parent_path_after: m.toParentPath };
    for (const ch of m.changes) yield { action: 'moved', id: m.id, name: m.name, field: ch.field, before: ch.before, after: ch.after };
  }
  for (const d of plan.deactivated) {
    yield { action: 'deactivated', id: d.id, name: d.name, path: d.path, member_count: d.memberCount, active_children: d.activeChildren };
  }
  for (const m of plan.membersOrphaned) {
    for (const path of m.leaves) yield { action: 'member_orphaned', member_id: m.memberId, path };
  }
}

/** UTF-8 CSV with a header and a BOM (spreadsheets then read the names right). */
export function* planReportCsv(plan: PlanPreview): Generator<string> {
  yield `\uFEFF${PLAN_REPORT_COLUMNS.join(',')}\r\n`;
  for (const row of planReportRows(plan)) yield `${PLAN_REPORT_COLUMNS.map((c) => csvCell(row[c])).join(',')}\r\n`;
}
