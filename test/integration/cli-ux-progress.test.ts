/**
 * Issue 14: the writing phase reports progress per written batch (it used to
 * sit at `writing 0 of N rows` until the commit). An import of 1,200 new
 * departments on SQLite (at most 500 rows per batch) reports 0, then each
 * batch's running total, up to 1200.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repositories } from '../../src/adapters/db/repositories.js';
import { runImport, type ImportProgress } from '../../src/app/importService.js';
import { parseImportOptions } from '../../src/core/importOptions.js';
import { openTestDatabase, type TestDb } from '../support/db.js';

describe('writing progress', () => {
  let db: TestDb;
  beforeAll(async () => {
    db = await openTestDatabase('sqlite', 'cli_ux_progress');
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('is reported after every batch of written rows', async () => {
    const csv = `code,name\n${Array.from({ length: 1200 }, (_, i) => `C${i},Department ${i}`).join('\n')}\n`;
    const parsed = parseImportOptions({ createOrg: true });
    if (!parsed.ok) throw new Error(parsed.message);
    const seen: ImportProgress[] = [];
    const report = await runImport(repositories(db), {
      organizationCode: 'progress',
      source: { name: 'big.csv', bytes: (async function* () { yield Buffer.from(csv); })() },
      options: parsed.value,
      onProgress: (p) => seen.push(p),
    });
    expect(report.counts.created).toBe(1200);
    const writing = seen.filter((p) => p.phase === 'writing');
    // Batches are cut at 500 rows or at a byte budget (src/adapters/db/batch.ts), whichever comes first.
    const done = writing.map((p) => p.rowsDone);
    expect(done[0]).toBe(0);
    expect(done.at(-1)).toBe(1200);
    expect(done.length).toBeGreaterThanOrEqual(4);
    for (let i = 1; i < done.length; i++) {
      expect(done[i]! - done[i - 1]!).toBeGreaterThan(0);
      expect(done[i]! - done[i - 1]!).toBeLessThanOrEqual(500);
    }
    expect(writing.every((p) => p.rowsTotal === 1200)).toBe(true);
  });
});
