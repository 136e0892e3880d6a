import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { editDistance, looksLikeParent, suggestField, unknownColumnNote } from '../../src/core/normalise/columnSuggest.js';
import { shapeRecords, shapeSpec } from '../../src/core/shape/index.js';
import type { SourceRecord } from '../../src/core/model.js';

describe('misspelled columns', () => {
  it('suggests the field a misspelled header meant', () => {
    expect(suggestField('Parnet Code')).toBe('parentCode');
    expect(suggestField('Deparment Name')).toBe('name');
    expect(suggestField('descripton')).toBe('description');
    expect(unknownColumnNote('Parnet Code')).toBe('unknown column "Parnet Code": did you mean "parentCode"?');
  });

  it('suggests nothing for columns that are simply other data', () => {
    for (const column of ['Notes', 'Cost', 'Email', 'Manager', 'Region', 'Headcount', 'x']) expect(suggestField(column)).toBeUndefined();
    expect(unknownColumnNote('Headcount')).toBeUndefined();
  });

  it('recognises a parent-like column no alias matches', () => {
    expect(looksLikeParent('Parent Dept Code')).toBe(true);
    expect(looksLikeParent('Übergeordnet')).toBe(true);
    expect(looksLikeParent('Budget')).toBe(false);
    expect(unknownColumnNote('Parent Dept Code')).toMatch(/^unknown column "Parent Dept Code" looks like a parent reference but maps to no field/);
  });

  it('edit distance is a metric-like count of edits (transpositions count once)', () => {
    expect(editDistance('parnetcode', 'parentcode')).toBe(1);
    expect(editDistance('abc', 'abc')).toBe(0);
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }), (a, b) => {
        const d = editDistance(a, b);
        expect(d).toBe(editDistance(b, a));
        expect(d).toBeLessThanOrEqual(Math.max(a.length, b.length));
        expect(d).toBeGreaterThanOrEqual(Math.abs(a.length - b.length));
        expect(d === 0).toBe(a === b);
      }),
    );
  });
});

async function* records(rows: Record<string, string>[]): AsyncGenerator<SourceRecord> {
  let row = 2;
  for (const values of rows) yield { row: row++, values } as SourceRecord;
}

describe('--strict', () => {
  const columns = ['code', 'name', 'Parnet Code'];
  const rows = [{ code: 'A', name: 'Alpha', 'Parnet Code': '' }, { code: 'B', name: 'Beta', 'Parnet Code': 'A' }];

  it('warns about a misspelled parent column by default', async () => {
    const shaped = await shapeRecords({ format: 'csv', columns, records: records(rows) } as never, shapeSpec({}));
    expect(shaped.warnings).toContain('unknown column "Parnet Code": did you mean "parentCode"?');
  });

  it('fails the file with UNKNOWN_COLUMN under --strict', async () => {
    await expect(shapeRecords({ format: 'csv', columns, records: records(rows) } as never, shapeSpec({ strict: true }))).rejects.toMatchObject({
      code: 'UNKNOWN_COLUMN',
      message: expect.stringContaining('did you mean "parentCode"?'),
    });
  });

  it('lets a file whose unknown columns are plain data through under --strict', async () => {
    const shaped = await shapeRecords(
      { format: 'csv', columns: ['code', 'name', 'Budget'], records: records([{ code: 'A', name: 'Alpha', Budget: '5' }]) } as never,
      shapeSpec({ strict: true }),
    );
    expect(shaped.rows).toHaveLength(1);
  });
});
