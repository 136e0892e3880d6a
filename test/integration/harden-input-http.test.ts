/**
 * Issue 11 items 3, 12, 13 and 15 end to end, on MariaDB and SQLite: the
 * importer and the departments API (`POST .../departments`) refuse unpaired
 * surrogates and invisible look-alike characters with INVALID_FIELD, store JSON
 * numbers used as text as written, and refuse duplicate JSON keys. What was
 * stored reads back as written, and importing it again changes nothing.
 */
import { repositories } from '../../src/adapters/db/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadStoredReport } from '../../src/app/runReport.js';
import { dialects } from '../support/db.js';
import { departmentsOf, importText } from '../support/importHarness.js';
import { call, createOrg, envelopeOf, type HttpHarness, openHttpHarness, orgToken } from '../support/httpHarness.js';

describe.each(dialects)('hostile text on %s', (dialect) => {
  let h: HttpHarness;
  let token: string;
  const base = '/v1/organizations/acme/departments';
  const post = (json: unknown) => call(h.app, token, 'POST', base, { json });

  beforeAll(async () => {
    h = await openHttpHarness(dialect, 'harden_input_http');
    await createOrg(h.db, 'acme');
    token = await orgToken(h.db, 'acme');
  });
  afterAll(async () => {
    await h?.close();
  });

  it('POST refuses unpaired surrogates in any text field with INVALID_FIELD, and stores nothing', async () => {
    for (const [body, field] of [
      [{ name: 'X\ud800' }, 'name'],
      [{ name: 'X\udc00' }, 'name'],
      [{ name: 'Ok', code: 'C\ud800' }, 'code'],
      [{ name: 'Ok', description: '\udfff' }, 'description'],
      [{ name: 'Ok', leaderUserIds: ['u\ud800'] }, 'leaderUserIds'],
    ] as const) {
      const res = await post(body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(envelopeOf(res)).toMatchObject({ code: 'INVALID_FIELD', details: { field } });
    }
    // The raw escape, as a client would send it.
    const raw = await call(h.app, token, 'POST', base, { payload: '{"name":"X\\ud800"}', headers: { 'content-type': 'application/json' } });
    expect(envelopeOf(raw)).toMatchObject({ code: 'INVALID_FIELD', details: { field: 'name' } });
    expect(await departmentsOf(h.db)).toEqual([]);
    expect((await call(h.app, token, 'GET', base)).statusCode).toBe(200);
  });

  it('POST refuses a look-alike name or code (bidi override, zero-width characters)', async () => {
    expect((await post({ name: 'Sales', code: 'SALES' })).statusCode).toBe(201);
    for (const body of [{ name: 'Sales\u202e' }, { name: 'Sa\u200bles' }, { name: 'Sales\u200d' }, { name: 'Other', code: 'SALES\u2060' }]) {
      const res = await post(body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      const envelope = envelopeOf(res);
      expect(envelope.code).toBe('INVALID_FIELD');
      expect(envelope.message).toMatch(/invisible formatting character U\+/);
    }
    expect((await departmentsOf(h.db)).map((d) => d.name)).toEqual(['Sales']);
  });

  it('an import fails the rows with unpaired surrogates, writes the others, and a re-import is unchanged', async () => {
    const rows = [{ name: 'X\ud800', code: 'A' }, { name: 'X\udc00', code: 'B' }, { name: 'Y', code: 'Y\udc00' }, { name: 'Fine', code: 'F' }];
    const text = `[\n${rows.map((r) => JSON.stringify(r)).join(',\n')}\n]`; // one department per line: rows 2-5
    for (let run = 0; run < 2; run++) {
      const report = await importText(h.db, text, { org: 'surr', name: 'in.json' });
      expect(report.status).toBe('completed_with_errors');
      expect(report.errors.map((e) => [e.row, e.code, e.field])).toEqual([
        [2, 'INVALID_FIELD', 'name'],
        [3, 'INVALID_FIELD', 'name'],
        [4, 'INVALID_FIELD', 'code'],
      ]);
      expect(report.counts).toMatchObject(run === 0 ? { created: 1, updated: 0, failed: 3 } : { created: 0, updated: 0, unchanged: 1, failed: 3 });
      // The failed rows' records are stored for the fix-and-reimport report, the unpaired surrogate as U+FFFD.
      const stored = await loadStoredReport(repositories(h.db), report.runId);
      expect([...stored.failedRaw!.values()]).toEqual([
        { name: 'X\ufffd', code: 'A' },
        { name: 'X\ufffd', code: 'B' },
        { name: 'Y', code: 'Y\ufffd' },
      ]);
    }
    expect((await departmentsOf(h.db, 'surr')).map((d) => [d.name, d.code])).toEqual([['Fine', 'F']]);
  });

  it('JSON numbers used as codes are stored as written and a re-import is unchanged', async () => {
    const text = '[{"name":"A","code":1e400},{"name":"B","code":-0},{"name":"C","code":1.10},{"name":"D","code":1e2},{"name":"E","code":0}]';
    const first = await importText(h.db, text, { org: 'nums', name: 'in.json' });
    expect(first.errors).toEqual([]);
    expect((await departmentsOf(h.db, 'nums')).map((d) => d.code).sort()).toEqual(['-0', '0', '1.10', '1e2', '1e400']);
    const again = await importText(h.db, text, { org: 'nums', name: 'in.json' });
    expect(again.counts).toMatchObject({ created: 0, updated: 0, unchanged: 5 });
    const nd = text.slice(1, -1).replace(/\},\{/g, '}\n{'); // the same departments as NDJSON
    expect((await importText(h.db, nd, { org: 'nums', name: 'in.ndjson' })).counts).toMatchObject({ created: 0, updated: 0, unchanged: 5 });
  });

  it('duplicate keys in a JSON upload are refused before anything is written', async () => {
    const report = await importText(h.db, '[{"name":"A","name":"B"}]', { org: 'dups', name: 'in.json' });
    expect(report.fileError).toMatchObject({ code: 'JSON_SYNTAX_ERROR' });
    expect(report.fileError?.message).toContain('"name" appears twice');
    expect(await departmentsOf(h.db, 'dups')).toEqual([]);
  });

  it('--clean-names strips look-alike characters with a warning, so Sales and Sales+U+202E are one department', async () => {
    const text = JSON.stringify([{ name: 'Sales', code: 'S' }, { name: 'Sales\u202e', code: 'S2' }]);
    const refused = await importText(h.db, text, { org: 'bidi', name: 'in.json' });
    expect(refused.errors.map((e) => [e.row, e.code, e.field])).toEqual([[1, 'INVALID_FIELD', 'name']]);
    const cleaned = await importText(h.db, text, { org: 'bidi2', name: 'in.json', cleanNames: true });
    expect(cleaned.errors.map((e) => e.code)).toEqual(['DEPARTMENT_NAME_CONFLICT']);
    expect(cleaned.warnings).toContain('row 1: removed invisible formatting characters from the name "Sales\\u202e", now "Sales"');
  });
});
