/**
 * A variant's rows as runs (shape/variants.ts): one number per lone row, two
 * per run of consecutive rows, at most the runs a conflict message shows, and
 * the message lists them as it always did.
 */
import { describe, expect, it } from 'vitest';
import type { NormalisedRow } from '../../src/core/normalise/normaliseRow.js';
import { addRow, conflictIssue, firstRun, type Group, type Variant } from '../../src/core/shape/variants.js';

function variant(rows: number[], parent: string): Variant {
  const head: NormalisedRow = { row: { row: rows[0]!, raw: {}, fields: { name: 'X' }, parent: { kind: 'ref', value: parent, type: 'code', field: 'parent' } }, issues: [] };
  const v: Variant = { head, count: 1, ...firstRun(rows[0]!) };
  for (const r of rows.slice(1)) {
    v.count++;
    addRow(v, r);
  }
  return v;
}

const messageOf = (...variants: Variant[]) => conflictIssue({ label: 'X', issues: [], variants, failed: [] } satisfies Group).message;

describe('variant runs', () => {
  it('keeps lone rows as one number and consecutive rows as a range', () => {
    const v = variant([2, 5, 6, 7, 9, 11, 12], 'A');
    expect(v.runs).toEqual([2, 5, ~7, 9, 11, ~12]);
    expect(v.runCount).toBe(4);
    expect(messageOf(v, variant([3], 'B'))).toContain('"A" on rows 2, 5-7, 9, 11-12; "B" on row 3;');
  });

  it('keeps the first 50 runs only, and counts the rest', () => {
    const rows = Array.from({ length: 200 }, (_, i) => 10 + i * 3); // 200 lone rows
    rows.push(rows.at(-1)! + 1); // extends nothing kept: the last kept run is long past
    const v = variant(rows, 'A');
    expect(v.runCount).toBe(50);
    expect(v.runs.length).toBe(50);
    expect(messageOf(v, variant([1], 'B'))).toContain(`, ${10 + 49 * 3} and 151 more (201 rows in all);`);
  });

  it('a run still grows when it is the 50th', () => {
    const rows = Array.from({ length: 50 }, (_, i) => 10 + i * 3);
    rows.push(rows.at(-1)! + 1, rows.at(-1)! + 2, 1000);
    const v = variant(rows, 'A');
    expect(messageOf(v, variant([1], 'B'))).toContain(`, ${10 + 49 * 3}-${10 + 49 * 3 + 2} and 1 more (53 rows in all);`);
  });
});
