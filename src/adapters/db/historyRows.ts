/**
 * department_history rows as stored and as entries (migration 0010), and the
 * row an import writes for all of its creates (migration 0015).
 */
import type { HistoryAction, HistoryEntry } from '../../core/history/changes.js';
import type { JsonObject } from '../../core/model.js';
import { fromDbDateTime, fromDbInteger, fromDbJson } from './values.js';

export interface HistoryFilter {
  organizationId: string;
  departmentId?: string;
  runId?: string;
  action?: HistoryAction;
  /** Keyset: only entries after this id (the previous page's last `id`)... */
  afterId?: number;
  /** ...and, with the same id, after this department (inside a run's creates, which share their row's id). */
  afterDepartmentId?: string;
  limit: number;
}

export const COLUMNS = ['organization_id', 'department_id', 'action', 'before_values', 'after_values', 'run_id', 'request_id', 'actor', 'created_at'] as const;

/**
 * department_id of a run's creates row: no department id is empty, so no
 * read by department ever finds it. Not NULL: the column stays NOT NULL and
 * the table needs no rebuild; the row sorts first in the (organization,
 * department, id) index, where reads find an organization's creates rows.
 */
export const CREATES_ROW_DEPARTMENT = '';

export interface HistoryRow {
  id: unknown;
  organization_id: string;
  department_id: string;
  action: string;
  before_values: unknown;
  after_values: unknown;
  run_id: string | null;
  request_id: string | null;
  actor: string;
  created_at: unknown;
}

export const isCreatesRow = (r: Pick<HistoryRow, 'department_id'>): boolean => r.department_id === CREATES_ROW_DEPARTMENT;

export function toEntry(r: HistoryRow): HistoryEntry {
  return {
    id: fromDbInteger(r.id),
    organizationId: r.organization_id,
    departmentId: r.department_id,
    action: r.action as HistoryAction,
    before: fromDbJson(r.before_values) as JsonObject | null,
    after: fromDbJson(r.after_values) as JsonObject | null,
    runId: r.run_id,
    requestId: r.request_id,
    actor: r.actor,
    at: fromDbDateTime(r.created_at),
  };
}
