/**
 * Reading the department history (`orgsync history`, GET …/departments/{id}/history,
 * GET …/imports/{runId}/changes): one page at a time, oldest first, with keyset
 * pagination (`after` = where the previous page ended: core/history/cursor.ts),
 * so a page costs the same however deep into a run's changes it is.
 */
import type { HistoryAction, HistoryEntry } from '../core/history/changes.js';
import { cursorAfter, type HistoryCursor } from '../core/history/cursor.js';
import type { Organization } from '../core/model.js';
import type { Repositories } from './ports.js';

export const HISTORY_DEFAULT_LIMIT = 100;
export const HISTORY_MAX_LIMIT = 1000;

export interface HistoryQuery {
  organization: Organization;
  departmentId?: string;
  runId?: string;
  action?: HistoryAction;
  after?: HistoryCursor;
  limit?: number;
}

export interface HistoryPage {
  items: HistoryEntry[];
  /** The `after` of the next page (an id, or `"<id>:<departmentId>"` inside a run's creates); null: this was the last one. */
  nextAfter: number | string | null;
}

export async function historyPage({ history }: Pick<Repositories, 'history'>, q: HistoryQuery): Promise<HistoryPage> {
  const limit = Math.min(Math.max(1, q.limit ?? HISTORY_DEFAULT_LIMIT), HISTORY_MAX_LIMIT);
  // One more than asked: tells whether a next page exists without a COUNT.
  const rows = await history.list({
    organizationId: q.organization.id,
    ...(q.departmentId === undefined ? {} : { departmentId: q.departmentId }),
    ...(q.runId === undefined ? {} : { runId: q.runId }),
    ...(q.action === undefined ? {} : { action: q.action }),
    ...(q.after === undefined ? {} : { afterId: q.after.id }),
    ...(q.after?.departmentId === undefined ? {} : { afterDepartmentId: q.after.departmentId }),
    limit: limit + 1,
  });
  const items = rows.slice(0, limit);
  return { items, nextAfter: rows.length > limit ? cursorAfter(items[items.length - 1]!, q.departmentId !== undefined) : null };
}

/**
 * A department named as a person would (`--department`): its id, or its code,
 * openDepartmentId or name (in that order); undefined when none matches.
 */
export async function resolveDepartmentRef({ departments }: Pick<Repositories, 'departments'>, organizationId: string, ref: string): Promise<string | undefined> {
  const all = await departments.loadForOrganization(organizationId);
  return (
    all.find((d) => d.id === ref) ?? all.find((d) => d.code === ref) ?? all.find((d) => d.openDepartmentId === ref) ?? all.find((d) => d.name === ref)
  )?.id;
}

/** Old history is pruned (jobs/pruneHistory.ts): entries written before `now - retentionDays`. */
export function pruneHistory({ history }: Pick<Repositories, 'history'>, retentionDays: number, now = new Date()): Promise<number> {
  return history.prune(new Date(now.getTime() - retentionDays * 86_400_000));
}
