/**
 * core/plan/loadTextSharing.ts: departments a load receives take the file's
 * strings only where the text is the same, so what every department holds
 * is exactly what was stored, whatever the file says, also when the load
 * calls it before the file is read or after it ended. (That the strings
 * become the row's own objects cannot be seen from JavaScript: `npm run
 * bench:old-space` measures it, "load the stored view", bench/README.md.)
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { StoredDepartment } from '../../src/core/model.js';
import type { NormalisedRow } from '../../src/core/normalise/normaliseRow.js';
import { LoadTextSharing } from '../../src/core/plan/loadTextSharing.js';
import { department } from '../support/dbFixtures.js';
import { ORG } from '../support/planHarness.js';

const text = fc.constantFrom('Sales', 'sales', 'Sales ', 'Ventes', '');
const code = fc.option(fc.constantFrom('S1', 'S2', 'S3', 's1'), { nil: null });

function stored(i: number, code: string | null, name: string, description: string | null): StoredDepartment {
  return department(ORG, name, undefined, { id: `dept_${i}`, code, description });
}

function row(i: number, c: string | null, name: string | undefined, description: string | null | undefined): NormalisedRow {
  const fields: NormalisedRow['row']['fields'] = {};
  if (c !== null) fields.code = c;
  if (name !== undefined) fields.name = name;
  if (description !== undefined) fields.description = description;
  return { row: { row: i + 2, raw: {}, fields, parent: { kind: 'root' } }, issues: [] };
}

describe('LoadTextSharing', () => {
  it('leaves every loaded department holding exactly what was stored', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(code, text, fc.option(text, { nil: null })), { maxLength: 12 }),
        fc.array(fc.tuple(code, fc.option(text, { nil: undefined }), fc.option(fc.option(text, { nil: null }), { nil: undefined })), { maxLength: 12 }),
        (inStore, file) => {
          const sharing = new LoadTextSharing();
          sharing.use(file.map(([c, n, d], i) => row(i, c, n, d)));
          const loaded = inStore.map(([c, n, d], i) => stored(i, c, n, d));
          const before = structuredClone(loaded);
          loaded.forEach(sharing.share);
          expect(loaded).toEqual(before);
        },
      ),
    );
  });

  it('is safe to call before the file is read and after release: the departments keep their values', () => {
    const sharing = new LoadTextSharing();
    const early = stored(1, 'S1', 'Sales', null);
    sharing.share(early);
    sharing.use([row(0, 'S1', 'Sales', null)]);
    sharing.release();
    const late = stored(2, 'S1', 'Sales', null);
    sharing.share(late);
    expect([early.code, early.name, late.code, late.name]).toEqual(['S1', 'Sales', 'S1', 'Sales']);
  });
});
