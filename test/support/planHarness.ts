/**
 * Test harness for the pure pipeline: plain objects in, a plan out, and a tiny
 * in-memory "database" that applies plans the way the real adapters do, so
 * properties like idempotency can be checked without I/O.
 */
import type { ImportPlan, Organization, ParentRefType, SourceRecord, StoredDepartment } from '../../src/core/model.js';
import { mapColumns } from '../../src/core/normalise/vocabulary.js';
import { normaliseRecord } from '../../src/core/normalise/normaliseRow.js';
import { planImport, type PlanOptions } from '../../src/core/plan/index.js';

export const ORG: Organization = { id: 'org_test', code: 'acme', name: 'ACME', nameScope: 'organization' };

export function records(objects: Record<string, unknown>[], firstRow = 2): SourceRecord[] {
  return objects.map((o, i) => {
    const values: Record<string, unknown> = Object.create(null);
    for (const [k, v] of Object.entries(o)) values[k] = v;
    return { row: firstRow + i, values };
  });
}

export function idGenerator(prefix = 'dept_n'): () => string {
  let n = 0;
  return () => `${prefix}${String(++n).padStart(6, '0')}`;
}

export interface PlanArgs {
  stored?: StoredDepartment[];
  options?: Partial<PlanOptions>;
  parentRef?: ParentRefType;
  org?: Organization;
  newId?: () => string;
}

export function plan(objects: Record<string, unknown>[], args: PlanArgs = {}): ImportPlan {
  const recs = records(objects);
  const columns = [...new Set(objects.flatMap((o) => Object.keys(o)))];
  const mapping = mapColumns(columns);
  const rows = recs.map((r) => normaliseRecord(r, mapping, { parentRef: args.parentRef ?? 'auto' }));
  return planImport({
    organization: args.org ?? ORG,
    rows,
    stored: args.stored ?? [],
    options: { mode: 'upsert', matchBy: 'auto', ...args.options },
    newId: args.newId ?? idGenerator(),
  });
}

/** Applies a plan to an in-memory store keyed by id. */
export function applyInMemory(store: Map<string, StoredDepartment>, p: ImportPlan): void {
  for (const d of p.creates) {
    if (d.parentId !== null && !store.has(d.parentId)) throw new Error(`parent ${d.parentId} of ${d.id} not written before its child`);
    store.set(d.id, d);
  }
  for (const u of [...p.updates, ...p.deactivations]) store.set(u.after.id, u.after);
}

/** The tree as (name, parent name, depth, active) tuples: independent of generated ids. */
export function shape(store: Map<string, StoredDepartment>): string[] {
  return [...store.values()]
    .map((d) => {
      const parent = d.parentId === null ? '' : (store.get(d.parentId)?.name ?? '?');
      const pathNames = d.path
        .split('/')
        .filter(Boolean)
        .map((id) => store.get(id)?.name ?? '?')
        .join('/');
      return `${pathNames}|${parent}|${d.depth}|${d.isActive ? 'active' : 'inactive'}|${d.code ?? ''}|${d.description ?? ''}`;
    })
    .sort();
}
