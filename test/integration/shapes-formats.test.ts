/**
 * Nested org charts, NDJSON, mappings, encodings and spreadsheet quirks end to
 * end on MariaDB (and the embedded SQLite): stored trees, row numbers, file
 * errors that write nothing, and re-imports that change nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { organizationsRepo } from '../../src/adapters/db/index.js';
import { dialects, openTestDatabase, type TestDb } from '../support/db.js';
import { departmentsOf, importText, treeShape, updatedAtById } from '../support/importHarness.js';

const NESTED_YAML = `departments:
  - name: Company
    code: CO
    children:
      - name: Engineering
        code: "00123"
        children:
          - name: Backend
            code: BE
            parentCode: "00123"
          - name: Frontend
            code: FE
            parentCode: CO
          - name: Mobile
            code: MOB
            children:
              - name: iOS
                code: IOS
      - name: Sales
        code: SAL
`;

function utf16le(text: string): Buffer {
  return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
}

describe.each(dialects)('input formats and quirks on %s', (dialect) => {
  let db: TestDb;
  let seq = 0;
  const nextOrg = () => `fmt${++seq}`;

  beforeAll(async () => {
    db = await openTestDatabase(dialect, 'shapes_formats');
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('nested YAML: parents from the nesting, YAML line numbers, a contradicting parent fails its subtree', async () => {
    const org = nextOrg();
    const report = await importText(db, NESTED_YAML, { org, name: 'org.yaml' });
    expect(report.errors.map((e) => `${e.row} ${e.code} ${e.key}`)).toEqual(['11 NESTED_PARENT_CONFLICT FE']);
    expect(report.counts).toMatchObject({ rows: 7, created: 6, failed: 1, skipped: 0 });
    expect(await treeShape(db, org)).toEqual(
      [
        'Company | depth 0 | active | code CO | ',
        'Company > Engineering | depth 1 | active | code 00123 | ',
        'Company > Engineering > Backend | depth 2 | active | code BE | ',
        'Company > Engineering > Mobile | depth 2 | active | code MOB | ',
        'Company > Engineering > Mobile > iOS | depth 3 | active | code IOS | ',
        'Company > Sales | depth 1 | active | code SAL | ',
      ].sort(),
    );
    const fixed = NESTED_YAML.replace('parentCode: CO', 'parentCode: "00123"');
    const again = await importText(db, fixed, { org, name: 'org.yaml' });
    expect(again.counts).toMatchObject({ rows: 7, created: 1, unchanged: 6, failed: 0 });
    const third = await importText(db, fixed, { org, name: 'org.yaml' });
    expect(third.counts).toMatchObject({ rows: 7, unchanged: 7 });
  });

  it('nested JSON and NDJSON store the same tree as nested YAML', async () => {
    const json = JSON.stringify(
      [{ name: 'Company', code: 'CO', children: [{ name: 'Engineering', code: '00123', children: [{ name: 'Backend', code: 'BE' }] }, { name: 'Sales', code: 'SAL' }] }],
      null,
      2,
    );
    const ndjson = '{"name":"Backend","code":"BE","parentCode":"00123"}\n{"name":"Company","code":"CO"}\n{"name":"Engineering","code":"00123","parentCode":"CO"}\n{"name":"Sales","code":"SAL","parentCode":"CO"}\n';
    const shapes: string[][] = [];
    for (const [text, name] of [
      [json, 'org.json'],
      [ndjson, 'org.ndjson'],
    ] as const) {
      const org = nextOrg();
      const report = await importText(db, text, { org, name });
      expect(report.format).toBe(name.endsWith('.json') ? 'json' : 'ndjson');
      expect(report.counts).toMatchObject({ rows: 4, created: 4, failed: 0 });
      expect((await importText(db, text, { org, name })).counts).toMatchObject({ rows: 4, unchanged: 4 });
      shapes.push(await treeShape(db, org));
    }
    expect(shapes[0]).toEqual(shapes[1]);
    expect(shapes[0]).toContain('Company > Engineering > Backend | depth 2 | active | code BE | ');
  });

  it('NDJSON errors name the line and write nothing', async () => {
    const org = nextOrg();
    const report = await importText(db, '{"name":"A"}\n{"name": B}\n', { org, name: 'x.ndjson' });
    expect(report.fileError).toMatchObject({ code: 'JSON_SYNTAX_ERROR', line: 2 });
    expect(await organizationsRepo(db).findByCode(org)).toBeUndefined();
  });

  it('reads Excel "Unicode Text" (UTF-16LE, tabs) and declared Windows-1252', async () => {
    const org = nextOrg();
    const report = await importText(db, utf16le('name\tcode\tparentCode\r\n東京本社\tHQ\t\r\n大阪支店\tOSK\tHQ\r\n'), { org, name: 'export.txt' });
    expect(report.counts).toMatchObject({ created: 2, failed: 0 });
    expect(await treeShape(db, org)).toContain('東京本社 > 大阪支店 | depth 1 | active | code OSK | ');
    // UTF-16BE with BOM, and UTF-8 with BOM, into the same organization: the same departments, unchanged.
    const be = Buffer.from(utf16le('name\tcode\tparentCode\r\n東京本社\tHQ\t\r\n大阪支店\tOSK\tHQ\r\n')).swap16();
    expect((await importText(db, be, { org, name: 'export.txt' })).counts).toMatchObject({ unchanged: 2 });
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('name,code,parentCode\n東京本社,HQ,\n大阪支店,OSK,HQ\n')]);
    expect((await importText(db, bom, { org })).counts).toMatchObject({ unchanged: 2 });

    const cp1252 = Buffer.from([...'name;code;description\r\nB\xfcro Z\xfcrich;ZH;Budget \x80 1 Mio.\r\n'].map((c) => c.charCodeAt(0)));
    const org2 = nextOrg();
    const ok = await importText(db, cp1252, { org: org2, encoding: 'windows-1252' });
    expect(ok.counts).toMatchObject({ created: 1 });
    expect(await treeShape(db, org2)).toEqual(['Büro Zürich | depth 0 | active | code ZH | Budget € 1 Mio.']);
    // The same bytes without the declaration: not UTF-8, a file error with the line, nothing written.
    const org3 = nextOrg();
    const refused = await importText(db, cp1252, { org: org3 });
    expect(refused.fileError).toMatchObject({ code: 'INVALID_ENCODING', line: 2 });
    expect(await organizationsRepo(db).findByCode(org3)).toBeUndefined();
  });

  it('a header-only file is a valid import of nothing; leftover empty rows and columns are ignored', async () => {
    const org = nextOrg();
    const empty = await importText(db, 'name,code,,\r\n,,,\r\n\r\n', { org });
    expect(empty.status).toBe('completed');
    expect(empty.counts).toMatchObject({ rows: 0, created: 0, failed: 0 });
    const report = await importText(db, 'name,code,,\r\nA,a,,\r\nB,b,,,\r\n,,,\r\n,,\r\n', { org });
    expect(report.status).toBe('completed');
    expect(report.counts).toMatchObject({ rows: 2, created: 2 });
  });

  it('control characters fail the row, or are removed with --clean-names and reported as warnings', async () => {
    const org = nextOrg();
    const csv = 'name,code\n"Sales\u0007 EMEA",S\nOps,O\n';
    const strict = await importText(db, csv, { org });
    expect(strict.errors.map((e) => `${e.row} ${e.code} ${e.field}`)).toEqual(['2 INVALID_FIELD name']);
    const cleaned = await importText(db, csv, { org, cleanNames: true });
    expect(cleaned.errors).toEqual([]);
    expect(cleaned.warnings).toEqual(['row 2: removed control characters from the name "Sales\\u0007 EMEA", now "Sales EMEA"']);
    expect(cleaned.counts).toMatchObject({ created: 1, unchanged: 1 });
    expect((await departmentsOf(db, org)).map((d) => d.name).sort()).toEqual(['Ops', 'Sales EMEA']);
  });

  it('--keep-unknown-columns stores unmapped columns in customData; a re-import is unchanged', async () => {
    const org = nextOrg();
    const csv = 'name,code,Cost Center,Headcount\nFinance,FIN,CC-1,12\nLegal,LEG,,\n';
    const report = await importText(db, csv, { org, keepUnknownColumns: true });
    expect(report.warnings).toEqual(['kept in customData (--keep-unknown-columns): Cost Center, Headcount']);
    const stored = new Map((await departmentsOf(db, org)).map((d) => [d.code, d.customData]));
    expect(stored.get('FIN')).toEqual({ 'Cost Center': 'CC-1', Headcount: '12' });
    expect(stored.get('LEG')).toBeNull();
    const before = await updatedAtById(db);
    expect((await importText(db, csv, { org, keepUnknownColumns: true })).counts).toMatchObject({ unchanged: 2 });
    expect(await updatedAtById(db)).toEqual(before);
  });

  it('a mapping names the file\'s columns; a column it names that the file lacks writes nothing', async () => {
    const org = nextOrg();
    const csv = 'Abteilung,Kürzel,Oberabteilung\nVorstand,V,\nEinkauf,EK,V\n';
    const mapping = { organization: org, columns: { Abteilung: 'name', Kürzel: 'code', Oberabteilung: 'parentCode' } };
    const report = await importText(db, csv, { org, mapping });
    expect(report.counts).toMatchObject({ created: 2, failed: 0 });
    expect(await treeShape(db, org)).toContain('Vorstand > Einkauf | depth 1 | active | code EK | ');

    const org2 = nextOrg();
    const missing = await importText(db, csv, { org: org2, mapping: { columns: { Abteilung: 'name', Kostenstelle: 'code' } } });
    expect(missing.fileError?.code).toBe('MAPPING_COLUMN_NOT_FOUND');
    expect(missing.fileError?.message).toContain('"Kostenstelle"');
    expect(await organizationsRepo(db).findByCode(org2)).toBeUndefined();

    const wrongOrg = await importText(db, csv, { org: nextOrg(), mapping });
    expect(wrongOrg.fileError?.code).toBe('DOCUMENT_ORGANIZATION_MISMATCH');
  });

  it('codes and openDepartmentIds of 512 characters are stored whole', async () => {
    const org = nextOrg();
    const code = `c${'ä'.repeat(511)}`;
    const open = `o${'x'.repeat(511)}`;
    const report = await importText(db, `name,code,openDepartmentId\nLong,${code},${open}\n`, { org });
    expect(report.counts).toMatchObject({ created: 1, failed: 0 });
    expect(await departmentsOf(db, org)).toMatchObject([{ code, openDepartmentId: open }]);
    expect((await importText(db, `name,code,openDepartmentId\nLong,${code},${open}\n`, { org })).counts).toMatchObject({ unchanged: 1 });
  });
});
