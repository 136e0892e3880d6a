/**
 * Reading an import's creates, which are one history row per run (migration
 * 0015): the row (CREATES_ROW_DEPARTMENT) says who, when and which run; the
 * departments whose created_history_id is its id say which departments. Each
 * read expands it into one `created` entry per department, with the row's id,
 * in department id order, exactly where the row is in id order: so every
 * reader sees the entries it saw when each create had a row of its own, in
 * (id, departmentId) order. A run writes its creates row before any other
 * row, so its creates come first in its changes, and every later change to a
 * department it created has a larger id (REVERT_CONFLICT's comparisons hold).
 * A pruned creates row takes its creates out of the history with it.
 *
 * Records (`after`) are left null here: list() rebuilds them (historyCreated.ts).
 */
import type { Knex } from 'knex';
import type { HistoryEntry } from '../../core/history/changes.js';
import { compareEntries, type HistoryCursor, isAfterCursor } from '../../core/history/cursor.js';
import { TABLES } from './tables.js';
import { type HistoryFilter, type HistoryRow, isCreatesRow, toEntry } from './historyRows.js';
import { fromDbInteger } from './values.js';

type Runner = Knex | Knex.Transaction;

/**
 * The departments created under creates row `historyId` after `afterDepartmentId`, in id order:
 * a range of the (created_history_id, id) index (0015), read from the index alone. No
 * organization condition: the row's id is the organization's (it would cost a row read each).
 */
async function createdUnder(runner: Runner, historyId: number, afterDepartmentId?: string, limit?: number): Promise<string[]> {
  let q = runner(TABLES.departments).select('id').where('created_history_id', historyId);
  if (afterDepartmentId !== undefined) q = q.andWhere('id', '>', afterDepartmentId);
  q = q.orderBy('id');
  if (limit !== undefined) q = q.limit(limit);
  return ((await q) as { id: string }[]).map((r) => r.id);
}

/** The creates row's entries: its entry, once per department. */
function* expanded(row: HistoryRow, departmentIds: readonly string[]): Generator<HistoryEntry> {
  const base = toEntry(row);
  for (const departmentId of departmentIds) yield { ...base, departmentId };
}

const cursorOf = (f: HistoryFilter): HistoryCursor | undefined =>
  f.afterId === undefined ? undefined : { id: f.afterId, ...(f.afterDepartmentId === undefined ? {} : { departmentId: f.afterDepartmentId }) };

/** Rows with an id above `fromId`, in id order, creates rows included (they are the run's `created` changes). */
function rowsAbove(runner: Runner, f: HistoryFilter, fromId: number, limit: number): Promise<HistoryRow[]> {
  let q = runner(TABLES.departmentHistory).select('*').where('organization_id', f.organizationId);
  if (f.departmentId !== undefined) q = q.andWhere('department_id', f.departmentId);
  if (f.runId !== undefined) q = q.andWhere('run_id', f.runId);
  if (f.action !== undefined) q = q.andWhere('action', f.action);
  return q.andWhere('id', '>', fromId).orderBy('id').limit(limit) as Promise<HistoryRow[]>;
}

/** A page of entries (at most f.limit) after f's cursor, in (id, departmentId) order. */
export async function listEntries(runner: Runner, f: HistoryFilter): Promise<HistoryEntry[]> {
  const cursor = cursorOf(f);
  if (f.departmentId !== undefined) return departmentEntries(runner, { ...f, departmentId: f.departmentId }, cursor);
  const out: HistoryEntry[] = [];
  // A composite cursor is inside its row's entries: that row is read again.
  let fromId = cursor === undefined ? 0 : cursor.departmentId === undefined ? cursor.id : cursor.id - 1;
  for (;;) {
    const want = f.limit - out.length;
    const rows = await rowsAbove(runner, f, fromId, want);
    for (const r of rows) {
      const id = fromDbInteger(r.id);
      if (isCreatesRow(r)) {
        const after = cursor !== undefined && id === cursor.id ? cursor.departmentId : undefined;
        out.push(...expanded(r, await createdUnder(runner, id, after, f.limit - out.length)));
      } else if (isAfterCursor(cursor, id, r.department_id)) {
        out.push(toEntry(r));
      }
      if (out.length >= f.limit) return out;
    }
    // Every row gives an entry but a creates row all of whose departments are before the cursor: read on.
    if (rows.length < want) return out;
    fromId = fromDbInteger(rows[rows.length - 1]!.id);
  }
}

/** One department's entries: its rows, and its create when an import's creates row holds it. */
async function departmentEntries(runner: Runner, f: HistoryFilter & { departmentId: string }, cursor: HistoryCursor | undefined): Promise<HistoryEntry[]> {
  const fromId = cursor === undefined ? 0 : cursor.id - 1;
  const entries = (await rowsAbove(runner, f, fromId, f.limit + 1)).map(toEntry).filter((e) => isAfterCursor(cursor, e.id, e.departmentId));
  if (f.action === undefined || f.action === 'created') {
    const row = (await runner(`${TABLES.departments} as d`)
      .join(`${TABLES.departmentHistory} as h`, 'h.id', 'd.created_history_id')
      .where('d.organization_id', f.organizationId)
      .andWhere('d.id', f.departmentId)
      .andWhere('h.organization_id', f.organizationId)
      .select('h.*')
      .first()) as HistoryRow | undefined;
    if (row && isCreatesRow(row) && (f.runId === undefined || row.run_id === f.runId)) {
      const [own] = expanded(row, [f.departmentId]);
      if (own && isAfterCursor(cursor, own.id, own.departmentId)) entries.push(own);
    }
  }
  return entries.sort(compareEntries).slice(0, f.limit);
}

/** Every entry of one run, in (id, departmentId) order, its creates with after null (a revert needs only which departments). */
export async function runEntries(runner: Runner, runId: string): Promise<HistoryEntry[]> {
  const rows = (await runner(TABLES.departmentHistory).select('*').where('run_id', runId).orderBy('id')) as HistoryRow[];
  const out: HistoryEntry[] = [];
  for (const r of rows) {
    if (!isCreatesRow(r)) out.push(toEntry(r));
    else for (const e of expanded(r, await createdUnder(runner, fromDbInteger(r.id)))) out.push(e);
  }
  return out;
}
