/**
 * Real data: the Swiss federal directory (../shared/realdata/ch-staatskalender.csv,
 * see its README), imported through the CLI into MariaDB with the mapping in
 * fixtures/realdata/, as a user would.
 *
 * Expected counts, derived from the file with a small script (csv-parse, the
 * same name normalisation as ours: whitespace runs collapsed, trimmed, NFC,
 * length in code points):
 * - 2,785 rows, 23 of them with a name (a full path) over 255 characters;
 * - no descendant of those 23 is a PARENT_FAILED skip: every descendant's name
 *   contains its ancestor's, so it is too long itself (NAME_TOO_LONG);
 * - so 2,785 − 23 = 2,762 departments are created, at depths 0..8 with
 *   { 0: 10, 1: 62, 2: 220, 3: 313, 4: 576, 5: 871, 6: 611, 7: 86, 8: 13 }.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDb } from '../support/db.js';
import { countByCode, importCli, REPO_ROOT as repoRoot } from '../support/cliImport.js';
import { departmentsOf, updatedAtById } from '../support/importHarness.js';

const DATA = resolve(repoRoot, '../shared/realdata/ch-staatskalender.csv');
const MAPPING = resolve(repoRoot, 'fixtures/realdata/ch-staatskalender.mapping.yaml');
const ARGS = [DATA, '--org', 'ch-bund', '--mapping', MAPPING];

describe.skipIf(!existsSync(DATA))('real data: Swiss federal directory (CLI, MariaDB)', () => {
  let db: TestDb;
  beforeAll(async () => {
    db = await openTestDatabase('mysql', 'realdata_ch');
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('imports every unit with the right parent and depth; names over 255 characters fail', async () => {
    const { code, report } = await importCli(db, [...ARGS, '--create-org', '--org-name', 'Schweizerische Eidgenossenschaft']);
    expect(code).toBe(3); // finished with row errors
    expect(report.status).toBe('completed_with_errors');
    expect(report.counts).toEqual({ rows: 2785, created: 2762, updated: 0, moved: 0, unchanged: 0, merged: 0, deactivated: 0, failed: 23, skipped: 0 });
    expect(countByCode(report)).toEqual({ NAME_TOO_LONG: 23 });
    expect(report.warnings).toEqual([]); // every other column is mapped to `ignore`

    // The stored tree against the file: parent, depth and name of every unit.
    const records = parse(readFileSync(DATA), { columns: true }) as { id: string; name: string; parent_id: string }[];
    const byOpenId = new Map((await departmentsOf(db, 'ch-bund')).map((d) => [d.openDepartmentId!, d]));
    expect(byOpenId.size).toBe(2762);
    const byId = new Map([...byOpenId.values()].map((d) => [d.id, d]));
    const depths: Record<number, number> = {};
    for (const r of records) {
      const d = byOpenId.get(r.id);
      if (!d) continue; // one of the 23
      expect(d.name).toBe(r.name.replace(/\s+/g, ' ').trim().normalize('NFC'));
      expect(d.parentId === null ? '' : byId.get(d.parentId)!.openDepartmentId).toBe(r.parent_id);
      expect(d.depth).toBe(d.path.split('/').length - 2);
      depths[d.depth] = (depths[d.depth] ?? 0) + 1;
    }
    expect(depths).toEqual({ 0: 10, 1: 62, 2: 220, 3: 313, 4: 576, 5: 871, 6: 611, 7: 86, 8: 13 });
    // Umlauts intact, long external ids intact (ids up to 301 characters; 119 end in "-").
    expect([...byOpenId.values()].filter((d) => /[äöüÄÖÜ]/.test(d.name)).length).toBe(2545);
    // (The 301-character id belongs to one of the 23 failed units; the longest stored one has 252.)
    expect(Math.max(...[...byOpenId.keys()].map((k) => k.length))).toBe(252);
    expect([...byOpenId.keys()].filter((k) => k.endsWith('-')).length).toBe(115);
  });

  it('a second import reports every row unchanged and writes no department', async () => {
    const before = await updatedAtById(db);
    const { code, report } = await importCli(db, ARGS);
    expect(code).toBe(3);
    expect(report.counts).toEqual({ rows: 2785, created: 0, updated: 0, moved: 0, unchanged: 2762, merged: 0, deactivated: 0, failed: 23, skipped: 0 });
    expect(countByCode(report)).toEqual({ NAME_TOO_LONG: 23 });
    expect(await updatedAtById(db)).toEqual(before);
  });
});
