/**
 * `orgsync export` streams (issue 14): an organization of 50,000 departments
 * is read in keyset pages and written as it goes (an .xlsx zipped as it goes),
 * so the memory it holds does not grow with the organization. Measured in this process: the live heap
 * (after a forced garbage collection) while the export runs, against the heap
 * before it. Reading the whole organization at once (one page of 50,000, what
 * `tree` does) holds tens of megabytes; the paged export holds about one page.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { departmentExportSource } from '../../src/adapters/db/index.js';
import { exportOrganization } from '../../src/app/exportDepartments.js';
import type { ExportFormat } from '../../src/core/export/formats.js';
import type { Organization } from '../../src/core/model.js';
import { openTestDatabase, type TestDb } from '../support/db.js';
import { seedTree } from '../support/exportHarness.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const DEPARTMENTS = 50_000;

/** Exports, discarding the output; returns the largest live heap seen (sampled after a collection every few chunks) above the start. */
async function peakHeapGrowth(db: TestDb, org: Organization, pageSize: number, format: ExportFormat = 'csv'): Promise<{ growth: number; chars: number }> {
  gc();
  const start = process.memoryUsage().heapUsed;
  let peak = start;
  let chars = 0;
  let n = 0;
  for await (const chunk of exportOrganization(departmentExportSource(db), org, { format, activeOnly: false, pageSize }).chunks) {
    chars += chunk.length;
    // From the first chunk on: an export that built its file whole would hand it out as one chunk.
    if (++n % 8 === 1) {
      gc();
      peak = Math.max(peak, process.memoryUsage().heapUsed);
    }
  }
  return { growth: peak - start, chars };
}

describe('export memory (SQLite, 50,000 departments)', () => {
  let db: TestDb;
  let org: Organization;
  beforeAll(async () => {
    db = await openTestDatabase('sqlite', 'export_memory');
    org = await seedTree(db, 'big', DEPARTMENTS);
  }, 120_000);
  afterAll(async () => {
    await db?.drop();
  });

  it('holds about one page, not the organization', async () => {
    const paged = await peakHeapGrowth(db, org, 1000);
    const whole = await peakHeapGrowth(db, org, DEPARTMENTS);
    expect(paged.chars).toBe(whole.chars);
    expect(paged.chars).toBeGreaterThan(DEPARTMENTS * 100);
    // The same export read as one page holds the organization: the measure can see it.
    expect(whole.growth).toBeGreaterThan(30 * 1024 * 1024);
    expect(paged.growth).toBeLessThan(10 * 1024 * 1024);
  }, 120_000);

  it('xlsx too: the sheet is zipped as it is written, so the workbook is never held whole', async () => {
    const paged = await peakHeapGrowth(db, org, 1000, 'xlsx');
    const whole = await peakHeapGrowth(db, org, DEPARTMENTS, 'xlsx');
    // Compressed bytes: the sheet's XML of 50,000 rows deflates to several megabytes.
    expect(paged.chars).toBeGreaterThan(DEPARTMENTS * 20);
    expect(paged.growth).toBeLessThan(10 * 1024 * 1024);
    expect(whole.growth).toBeGreaterThan(30 * 1024 * 1024);
  }, 120_000);
});
