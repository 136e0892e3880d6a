/**
 * Property tests through the real pipeline and databases: for random trees in
 * random row order, the stored tree equals the input tree and a second import
 * changes nothing.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, openTestDatabase, type TestDb } from '../support/db.js';
import { importText, treeShape, updatedAtById } from '../support/importHarness.js';

const forest = fc.integer({ min: 1, max: 80 }).chain((n) =>
  fc.record({
    parents: fc.tuple(...Array.from({ length: n }, (_, i) => fc.integer({ min: -1, max: i - 1 }))),
    order: fc.shuffledSubarray(
      Array.from({ length: n }, (_, i) => i),
      { minLength: n, maxLength: n },
    ),
  }),
);

describe.each(dialects)('import properties on %s', (dialect) => {
  let db: TestDb;
  let seq = 0;
  beforeAll(async () => {
    db = await openTestDatabase(dialect, 'importprop');
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('stores exactly the input tree, and a re-import in another order writes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(forest, async ({ parents, order }) => {
        const org = `prop${++seq}`;
        const csv = (rows: number[]) =>
          ['name,code,parentCode', ...rows.map((i) => `Dept ${i},C${i},${parents[i]! < 0 ? '' : `C${parents[i]}`}`)].join('\n');
        const first = await importText(db, csv(order), { org });
        expect(first.errors).toEqual([]);
        const pathOf = (i: number): string => (i < 0 ? '' : `${pathOf(parents[i]!)}${parents[i]! < 0 ? '' : ' > '}Dept ${i}`);
        const depthOf = (i: number): number => (parents[i]! < 0 ? 0 : depthOf(parents[i]!) + 1);
        const expected = parents.map((_, i) => `${pathOf(i)} | depth ${depthOf(i)} | active | code C${i} | `).sort();
        expect(await treeShape(db, org)).toEqual(expected);

        const before = await updatedAtById(db);
        const again = await importText(db, csv([...order].reverse()), { org });
        expect(again.counts.unchanged).toBe(parents.length);
        expect(await updatedAtById(db)).toEqual(before);
      }),
      { numRuns: 15 },
    );
  });
});
