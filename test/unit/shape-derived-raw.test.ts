/**
 * Rows that keep no copy of their record (core/shape/derivedRaw.ts): a failed
 * row's record in the fix-and-reimport report is still exactly the one read,
 * whether the row rebuilds it or kept it.
 */
import { describe, expect, it } from 'vitest';
import { type ImportOptionsInput, parseImportOptions } from '../../src/core/importOptions.js';
import { failedRecords, planShapedRows, readShapedRows } from '../../src/core/pipeline.js';
import { ORG, idGenerator } from '../support/planHarness.js';

async function* bytesOf(text: string): AsyncGenerator<Uint8Array> {
  yield new TextEncoder().encode(text);
}

async function planCsv(csv: string, input: ImportOptionsInput = { parentRef: 'code' }) {
  const parsed = parseImportOptions(input);
  if (!parsed.ok) throw new Error(parsed.message);
  const shaped = await readShapedRows(bytesOf(csv), parsed.value, { fileName: 'x.csv' });
  const plan = planShapedRows(shaped, { organization: ORG, departments: [] }, parsed.value, idGenerator());
  return { shaped, plan, failed: failedRecords(shaped, plan) };
}

/** A record as a plain list of [key, value], in its own key order. */
const entries = (raw: Record<string, unknown> | undefined) => (raw === undefined ? undefined : Object.entries(raw));

describe('records of rows that failed while planning', () => {
  it('are the records read, cell for cell and in column order, for rows that keep no copy', async () => {
    const csv = 'name,code,parentCode,description,extra\nHQ,HQ,,The head office,\nSales,S,NOPE,Sells,\nTeam,T,S,,\n';
    const { shaped, failed } = await planCsv(csv);
    // The usual row keeps no record of its own: it rebuilds it.
    expect(Object.hasOwn(shaped.rows[0]!.row, 'raw')).toBe(false);
    expect([...failed.keys()]).toEqual([3, 4]);
    expect(entries(failed.get(3))).toEqual([
      ['name', 'Sales'],
      ['code', 'S'],
      ['parentCode', 'NOPE'],
      ['description', 'Sells'],
      ['extra', ''],
    ]);
    expect(entries(failed.get(4))).toEqual([
      ['name', 'Team'],
      ['code', 'T'],
      ['parentCode', 'S'],
      ['description', ''],
      ['extra', ''],
    ]);
    // As the reader makes them: keys such as `__proto__` are plain data.
    expect(Object.getPrototypeOf(failed.get(3))).toBeNull();
  });

  it('keep the record as read when the row does not give it back exactly', async () => {
    // Padded and doubled spaces (the row holds them trimmed/collapsed), a value in an
    // unknown column, a boolean column, a formula-safe prefix the reader takes off.
    const csv = [
      'name,code,parentCode,notes,isActive',
      'A ,A,NOPE,,',
      'B  b,B,NOPE,,',
      'C,C,NOPE,kept,',
      'D,D,NOPE,,yes',
      "'=E,E,NOPE,,",
      '__proto__,P,NOPE,,',
    ].join('\n');
    const { shaped, failed } = await planCsv(`${csv}\n`);
    expect(shaped.rows.slice(0, 5).map((r) => Object.hasOwn(r.row, 'raw'))).toEqual([true, true, true, true, true]);
    expect([...failed.values()].map((raw) => Object.values(raw))).toEqual([
      ['A ', 'A', 'NOPE', '', ''],
      ['B  b', 'B', 'NOPE', '', ''],
      ['C', 'C', 'NOPE', 'kept', ''],
      ['D', 'D', 'NOPE', '', 'yes'],
      ["'=E", 'E', 'NOPE', '', ''],
      ['__proto__', 'P', 'NOPE', '', ''],
    ]);
  });

  it('are rebuilt with a column named __proto__ as plain data', async () => {
    const { failed } = await planCsv('name,code,parentCode,__proto__\nX,X,NOPE,\n');
    const raw = failed.get(2)!;
    expect(Object.getPrototypeOf(raw)).toBeNull();
    expect(entries(raw)).toEqual([
      ['name', 'X'],
      ['code', 'X'],
      ['parentCode', 'NOPE'],
      ['__proto__', ''],
    ]);
  });

  it('are rebuilt with their columns when the header names a column twice or by another name', async () => {
    const { failed } = await planCsv('Department Name,Dept Code,Parent Code\nX,X,NOPE\n');
    expect(entries(failed.get(2))).toEqual([
      ['Department Name', 'X'],
      ['Dept Code', 'X'],
      ['Parent Code', 'NOPE'],
    ]);
  });
});

describe('names and parent references as the rows keep them', () => {
  it('collapses every kind of whitespace run in a name, and leaves single spaces alone', async () => {
    const names = ['A  B', 'C\tD', 'E\u00A0F', 'G \u3000H', ' I J ', 'K L'];
    const csv = `name,code\n${names.map((n, i) => `"${n}",C${i}`).join('\n')}\n`;
    const { shaped } = await planCsv(csv);
    expect(shaped.rows.map((r) => r.row.fields.name)).toEqual(['A B', 'C D', 'E F', 'G H', 'I J', 'K L']);
  });

  it('gives siblings one parent reference object, and a reference by another column its own', async () => {
    const csv = 'name,code,parentCode,parentId\nP,P,,\nA,A,P,\nB,B,P,\nC,C,,P\n';
    const { shaped, plan } = await planCsv(csv, { parentRef: 'code' });
    const [, a, b, c] = shaped.rows.map((r) => r.row.parent);
    expect(a).toBe(b);
    expect(c).not.toBe(a);
    expect(c).toEqual({ kind: 'ref', value: 'P', type: 'code', field: 'parent' });
    expect(plan.counts).toMatchObject({ created: 4, failed: 0 });
  });
});
