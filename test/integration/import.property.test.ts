/**
 * Property tests through the real pipeline and databases: for random trees in
 * random row order, the stored tree equals the input tree, every department
 * is written after its parent (read from the statements themselves: the raw
 * multi-row INSERTs of src/adapters/db/multiRow.ts), and a second import
 * changes nothing (no statement touches `departments`).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, openTestDatabase, type TestDb } from '../support/db.js';
import { importText, treeShape, updatedAtById } from '../support/importHarness.js';
import { WRITE_COLUMNS } from '../../src/adapters/db/departmentRows.js';

/** Statements that write `departments`, with their bindings, as the driver receives them. */
function departmentWrites(db: TestDb): { sql: string; bindings: unknown[] }[] {
  const seen: { sql: string; bindings: unknown[] }[] = [];
  db.knex.on('query', (q: { sql?: string; bindings?: unknown[] }) => {
    if (/^\s*(insert into|update|delete from)\s+[`"]departments[`"]/i.test(q.sql ?? '')) seen.push({ sql: q.sql!, bindings: q.bindings ?? [] });
  });
  return seen;
}

/** The (id, parent_id) pairs the INSERTs wrote, in the order they reached the database. */
function insertedInOrder(writes: readonly { sql: string; bindings: unknown[] }[]): [string, string | null][] {
  const idAt = WRITE_COLUMNS.indexOf('id');
  const parentAt = WRITE_COLUMNS.indexOf('parent_id');
  const out: [string, string | null][] = [];
  for (const w of writes) {
    if (!/^\s*insert into/i.test(w.sql)) continue;
    // SQLite: one binding per value; MySQL: one binding holding the rows (multiRow.ts's EscapedRows).
    const values = w.bindings.flatMap((b) => (b !== null && typeof b === 'object' && 'rows' in b ? (b.rows as unknown[][]).flat() : [b]));
    for (let i = 0; i < values.length; i += WRITE_COLUMNS.length) {
      out.push([values[i + idAt] as string, values[i + parentAt] as string | null]);
    }
  }
  return out;
}

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
  let writes: { sql: string; bindings: unknown[] }[] = [];
  beforeAll(async () => {
    db = await openTestDatabase(dialect, 'importprop');
    writes = departmentWrites(db);
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
        writes.length = 0;
        const first = await importText(db, csv(order), { org });
        expect(first.errors).toEqual([]);
        // Parents first, statement by statement and row by row within each.
        const inserted = insertedInOrder(writes);
        expect(inserted).toHaveLength(parents.length);
        const written = new Set<string>();
        for (const [id, parentId] of inserted) {
          if (parentId !== null) expect(written.has(parentId)).toBe(true);
          written.add(id);
        }
        const pathOf = (i: number): string => (i < 0 ? '' : `${pathOf(parents[i]!)}${parents[i]! < 0 ? '' : ' > '}Dept ${i}`);
        const depthOf = (i: number): number => (parents[i]! < 0 ? 0 : depthOf(parents[i]!) + 1);
        const expected = parents.map((_, i) => `${pathOf(i)} | depth ${depthOf(i)} | active | code C${i} | `).sort();
        expect(await treeShape(db, org)).toEqual(expected);

        const before = await updatedAtById(db);
        writes.length = 0;
        const again = await importText(db, csv([...order].reverse()), { org });
        expect(again.counts.unchanged).toBe(parents.length);
        expect(writes).toEqual([]);
        expect(await updatedAtById(db)).toEqual(before);
      }),
      { numRuns: 15 },
    );
  });
});
