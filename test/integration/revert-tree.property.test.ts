/**
 * Property (issue 13): for a random stored tree and a random sync run
 * (creates, renames, moves, deactivations, membership changes, through an
 * import file as a user would write it), reverting the run gives back the
 * stored tree as it was: every department's code, name, parent, path, depth,
 * active flag, fields and member count, and every membership. Departments
 * the run created remain, deactivated (a revert never deletes).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repositories } from '../../src/adapters/db/index.js';
import { revertRun } from '../../src/app/revertRun.js';
import { dialects, openTestDatabase, type TestDb } from '../support/db.js';
import { importAs, membershipsOf, pathsConsistent, storedTree } from '../support/historyHarness.js';

interface Dept {
  code: string;
  name: string;
  parent: number; // index of an earlier department, or -1: top level (so no cycle, whatever the run does)
  member: number;
  description: string;
}

const csvOf = (depts: readonly Dept[]) =>
  ['name,code,parentCode,emp,description', ...depts.map((d) => `${d.name},${d.code},${d.parent < 0 ? '' : depts[d.parent]!.code},m${d.member},${d.description}`)].join('\n');

const base = fc.integer({ min: 2, max: 12 }).chain((n) =>
  fc.tuple(...Array.from({ length: n }, (_, i) => fc.record({ parent: fc.integer({ min: -1, max: i - 1 }), member: fc.integer({ min: 0, max: 4 }) }))),
);
/** What the run does to each stored department, plus how many it creates. */
const run = fc.record({
  edits: fc.array(fc.record({ op: fc.constantFrom('keep', 'rename', 'move', 'drop'), parent: fc.integer({ min: -1, max: 100 }), member: fc.integer({ min: 0, max: 4 }), describe: fc.boolean() }), { minLength: 12, maxLength: 12 }),
  creates: fc.array(fc.record({ parent: fc.integer({ min: -1, max: 100 }), member: fc.integer({ min: 0, max: 4 }) }), { maxLength: 4 }),
});

describe.each(dialects)('revert restores the stored tree (%s)', (dialect) => {
  let db: TestDb;
  let n = 0;
  beforeAll(async () => {
    db = await openTestDatabase(dialect, 'revert_property');
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('random tree, random sync run, revert: the tree is as before the run', async () => {
    await fc.assert(
      fc.asyncProperty(base, run, async (tree, change) => {
        const org = `rev${++n}`;
        const before: Dept[] = tree.map((t, i) => ({ code: `C${i}`, name: `N${i}`, parent: t.parent, member: t.member, description: i % 2 === 0 ? `about ${i}` : '' }));
        await importAs(db, org, csvOf(before), { memberColumn: 'emp' });
        const storedBefore = await storedTree(db, org);
        const membersBefore = await membershipsOf(db);

        // The run's file: kept departments (some renamed or moved under an earlier kept one), new ones; dropped ones are left out.
        const kept: Dept[] = [];
        const keptIndex = new Map<number, number>();
        before.forEach((d, i) => {
          const e = change.edits[i]!;
          if (e.op === 'drop') return;
          const parentCandidates = [...keptIndex.values()];
          let parent = d.parent < 0 ? -1 : (keptIndex.get(d.parent) ?? -1);
          if (e.op === 'move') parent = e.parent < 0 || parentCandidates.length === 0 ? -1 : parentCandidates[e.parent % parentCandidates.length]!;
          keptIndex.set(i, kept.length);
          kept.push({ code: d.code, name: e.op === 'rename' ? `R${i}` : d.name, parent, member: e.member, description: e.describe ? `changed ${i}` : d.description });
        });
        change.creates.forEach((c, k) => {
          const parent = c.parent < 0 || kept.length === 0 ? -1 : c.parent % kept.length;
          kept.push({ code: `NEW${k}`, name: `New${k}`, parent, member: c.member, description: `new ${k}` });
        });
        const applied = await importAs(db, org, csvOf(kept), { memberColumn: 'emp', mode: 'sync', maxDeactivate: '100%' });
        expect(applied.status).toBe('completed');

        await revertRun(repositories(db), { runId: applied.runId, actor: 'cli:property', lockTimeoutSeconds: 10, maxDeactivate: { kind: 'percent', value: 100 } });
        const after = (await storedTree(db, org)) as { code: string; isActive: boolean }[];
        const created = after.filter((d) => d.code.startsWith('NEW'));
        expect(created.every((d) => !d.isActive)).toBe(true);
        expect(after.filter((d) => !d.code.startsWith('NEW'))).toEqual(storedBefore);
        expect(await pathsConsistent(db, org)).toBe(true);
        expect(await membershipsOf(db)).toEqual(membersBefore);
      }),
      { numRuns: 15 },
    );
  });
});
