/**
 * Department history and revert tests: imports with an actor, the stored
 * tree as comparable data (ids kept: a revert must restore the same rows),
 * and memberships.
 */
import type { Db } from '../../src/adapters/db/index.js';
import { repositories } from '../../src/adapters/db/index.js';
import { runImport, type ImportReport } from '../../src/app/importService.js';
import { parseImportOptions, type ImportOptionsInput } from '../../src/core/importOptions.js';
import { departmentsOf } from './importHarness.js';

export async function importAs(db: Db, org: string, csv: string, opts: ImportOptionsInput = {}, actor = 'cli:tester'): Promise<ImportReport> {
  const parsed = parseImportOptions({ createOrg: true, ...opts });
  if (!parsed.ok) throw new Error(parsed.message);
  const bytes = Buffer.from(csv, 'utf8');
  return runImport(repositories(db), {
    organizationCode: org,
    source: { name: 'input.csv', bytes: (async function* () { yield bytes; })() },
    options: parsed.value,
    actor,
  });
}

/** Every stored department with what a revert must restore (memberCount included), by id, sorted. */
export async function storedTree(db: Db, org: string): Promise<unknown[]> {
  const all = await departmentsOf(db, org);
  return all
    .map((d) => ({ ...d }))
    .sort((a, b) => (a.id < b.id ? -1 : 1));
}

/** Memberships as sorted `department:member` strings. */
export async function membershipsOf(db: Db): Promise<string[]> {
  const rows = (await db.knex('department_members').select('department_id', 'member_id')) as { department_id: string; member_id: string }[];
  return rows.map((r) => `${r.department_id}:${r.member_id}`).sort();
}

/** Paths and depths agree with parent ids for every department (the tree is consistent). */
export async function pathsConsistent(db: Db, org: string): Promise<boolean> {
  const all = await departmentsOf(db, org);
  const byId = new Map(all.map((d) => [d.id, d]));
  return all.every((d) => {
    const parent = d.parentId === null ? undefined : byId.get(d.parentId);
    const expectedPath = `${parent ? parent.path : ''}/${d.id}`;
    return d.path === expectedPath && d.depth === (parent ? parent.depth + 1 : 0);
  });
}
