/**
 * The rows one create's plan can ask about, out of rows read for several
 * (a batch of API creates, adapters/db/departmentCreate.ts): its parent
 * candidates, their ancestors, and the holders of its code,
 * openDepartmentId, id and name. The planner compares keys exactly (Maps of
 * strings, storedLookup.ts), so exact equality here leaves out nothing it
 * could match. Planning one create against the whole batch's rows instead
 * cost ~4x as much (measured: ~25 us against ~96 us per create with 150
 * rows read, this machine).
 */
import type { StoredDepartment } from '../model.js';
import type { RowLookupKeys } from './rowKeys.js';

export interface KeyIndex {
  readonly byId: ReadonlyMap<string, StoredDepartment>;
  readonly byCode: ReadonlyMap<string, StoredDepartment>;
  readonly byOpenId: ReadonlyMap<string, StoredDepartment>;
  readonly byName: ReadonlyMap<string, readonly StoredDepartment[]>;
}

/** Indexes `rows` (each id once) by the keys a create looks up. */
export function keyIndex(rows: readonly StoredDepartment[]): KeyIndex {
  const byId = new Map<string, StoredDepartment>();
  const byCode = new Map<string, StoredDepartment>();
  const byOpenId = new Map<string, StoredDepartment>();
  const byName = new Map<string, StoredDepartment[]>();
  for (const d of rows) {
    if (byId.has(d.id)) continue;
    byId.set(d.id, d);
    if (d.code !== null) byCode.set(d.code, d);
    if (d.openDepartmentId !== null) byOpenId.set(d.openDepartmentId, d);
    const named = byName.get(d.name);
    if (named) named.push(d);
    else byName.set(d.name, [d]);
  }
  return { byId, byCode, byOpenId, byName };
}

/** The rows of `index` that the plan of a create with `keys` can ask about: parents first, each row once. */
export function viewOfKeys(index: KeyIndex, keys: RowLookupKeys): StoredDepartment[] {
  const out: StoredDepartment[] = [];
  const seen = new Set<string>();
  const add = (d: StoredDepartment | undefined) => {
    if (d === undefined || seen.has(d.id)) return;
    seen.add(d.id);
    out.push(d);
  };
  const parents: StoredDepartment[] = [];
  for (const p of keys.parent) {
    const d = p.by === 'id' ? index.byId.get(p.value) : p.by === 'code' ? index.byCode.get(p.value) : index.byOpenId.get(p.value);
    if (d) parents.push(d);
  }
  for (const p of parents) add(p);
  for (const p of parents) {
    // The ancestors by the ids of the stored path, and up parent_id (they agree unless a stored path is wrong);
    // the walk is bounded by the rows there are, so a parent_id cycle in stored rows ends.
    for (const id of p.path.split('/')) if (id !== '') add(index.byId.get(id));
    let d: StoredDepartment | undefined = p;
    for (let steps = 0; d && d.parentId !== null && steps <= index.byId.size; steps++) {
      d = index.byId.get(d.parentId);
      add(d);
    }
  }
  if (keys.id !== null) add(index.byId.get(keys.id));
  if (keys.code !== null) add(index.byCode.get(keys.code));
  if (keys.openDepartmentId !== null) add(index.byOpenId.get(keys.openDepartmentId));
  if (keys.name !== null) for (const d of index.byName.get(keys.name) ?? []) add(d);
  return out;
}
