/**
 * Reading back the `created` records an import leaves to the department row
 * (its run's creates row, historyBatch.ts, or before migration 0015 a row per
 * create with after_values NULL; core/history/createdValues.ts says why and
 * how they are rebuilt). For the entries of one read: the departments and their later
 * changes in a query per batch of ids, then their ancestors level by level
 * (one more batch per level, ids already loaded are not read again), so a page
 * of 1,000 entries costs a few queries and a revert of a 100,000-department
 * import reads each department once.
 */
import type { Knex } from 'knex';
import type { HistoryAction, HistoryEntry } from '../../core/history/changes.js';
import { createdRecord, fieldAfter, fieldsAfter, type FieldValues, type LaterChange, pathOf } from '../../core/history/createdValues.js';
import type { JsonObject, JsonValue, StoredDepartment } from '../../core/model.js';
import { MAX_STORABLE_DEPTH } from '../../core/plan/depthLimit.js';
import { chunks, maxBatchRows } from './batch.js';
import type { Db } from './connection.js';
import { type DepartmentRow, MODEL_COLUMNS, toDepartment } from './departmentRows.js';
import { TABLES } from './tables.js';
import { fromDbInteger, fromDbJson } from './values.js';

/** A created entry whose values are the department's (written by an import). */
export const isStoredCreate = (e: HistoryEntry): boolean => e.action === 'created' && e.after === null;

interface Known {
  now: FieldValues;
  changes: LaterChange[];
}

/** The departments of one organization and their changes after `afterId`, loaded on demand. */
function departmentStates(db: Db, organizationId: string, afterId: number, trx?: Knex.Transaction) {
  const runner = trx ?? db.knex;
  const rowsPerBatch = maxBatchRows(db.dialect);
  const known = new Map<string, Known | null>();
  return {
    get: (id: string): Known | null | undefined => known.get(id),
    async load(ids: Iterable<string>): Promise<void> {
      const missing = [...new Set(ids)].filter((id) => !known.has(id));
      for (const batch of chunks(missing, rowsPerBatch)) {
        for (const id of batch) known.set(id, null);
        const rows = (await runner(TABLES.departments).select(MODEL_COLUMNS).where('organization_id', organizationId).whereIn('id', batch)) as DepartmentRow[];
        for (const r of rows) known.set(r.id, { now: toDepartment(r) as unknown as Record<keyof StoredDepartment, JsonValue>, changes: [] });
        const later = (await runner(TABLES.departmentHistory)
          .select('id', 'department_id', 'action', 'before_values')
          .where('organization_id', organizationId)
          .whereIn('department_id', batch)
          .andWhere('id', '>', afterId)
          .orderBy('id')) as { id: unknown; department_id: string; action: string; before_values: unknown }[];
        for (const c of later) {
          known.get(c.department_id)?.changes.push({ id: fromDbInteger(c.id), action: c.action as HistoryAction, before: fromDbJson(c.before_values) as JsonObject | null });
        }
      }
    },
  };
}

/** Chains being walked: the created entry, its ancestors so far (nearest first), the next one to look up. */
interface Walk {
  index: number;
  entry: HistoryEntry;
  fields: Record<string, JsonValue | undefined>;
  ancestors: string[];
  next: string | null;
}

/** `entries` with every stored create's `after` rebuilt (the same array, entries replaced in place). */
export async function withCreatedValues(db: Db, entries: HistoryEntry[], trx?: Knex.Transaction): Promise<HistoryEntry[]> {
  const byOrg = new Map<string, number[]>();
  entries.forEach((e, i) => {
    if (!isStoredCreate(e)) return;
    const list = byOrg.get(e.organizationId);
    if (list) list.push(i);
    else byOrg.set(e.organizationId, [i]);
  });
  for (const [organizationId, indexes] of byOrg) {
    let afterId = Infinity;
    for (const i of indexes) afterId = Math.min(afterId, entries[i]!.id);
    const states = departmentStates(db, organizationId, afterId, trx);
    await states.load(indexes.map((i) => entries[i]!.departmentId));
    let walks: Walk[] = [];
    for (const i of indexes) {
      const entry = entries[i]!;
      const state = states.get(entry.departmentId);
      // Departments are never deleted; should one be missing, its entry keeps after = null.
      if (!state) continue;
      const fields = fieldsAfter(state.now, state.changes, entry.id);
      walks.push({ index: i, entry, fields, ancestors: [], next: (fields.parentId as string | null | undefined) ?? null });
    }
    // Level by level up the trees: a bounded loop (a chain longer than any storable depth is a cycle in bad data).
    for (let level = 0; walks.length > 0; level++) {
      await states.load(walks.flatMap((w) => (w.next === null ? [] : [w.next])));
      const open: Walk[] = [];
      for (const w of walks) {
        const parent = w.next === null ? undefined : states.get(w.next);
        if (w.next !== null && parent && level <= MAX_STORABLE_DEPTH && !w.ancestors.includes(w.next)) {
          w.ancestors.push(w.next);
          w.next = (fieldAfter(parent.now, parent.changes, w.entry.id, 'parentId') as string | null | undefined) ?? null;
          open.push(w);
          continue;
        }
        entries[w.index] = { ...w.entry, after: createdRecord(w.fields, pathOf(w.entry.departmentId, w.ancestors)) };
      }
      walks = open;
    }
  }
  return entries;
}
