/**
 * The shape stage: path columns, level columns, employee rows, mappings,
 * unknown columns, name cleaning and nested org charts, down to the plan.
 */
import { describe, expect, it } from 'vitest';
import { FileError } from '../../src/core/errors.js';
import { parseImportOptions } from '../../src/core/importOptions.js';
import { memberships, type StoredDepartment } from '../../src/core/model.js';
import { pathKey } from '../../src/core/shape/pathKey.js';
import { applyInMemory, idGenerator, ORG } from '../support/planHarness.js';
import { runPurePipeline } from '../support/purePipeline.js';
import { createdPaths, errorList, planText, shapeText } from '../support/shapeHarness.js';

async function fileError(promise: Promise<unknown>): Promise<FileError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(FileError);
    return error as FileError;
  }
  throw new Error('expected a FileError');
}

function optionsError(input: Record<string, unknown>): string {
  const parsed = parseImportOptions(input);
  expect(parsed.ok).toBe(false);
  return parsed.ok ? '' : parsed.message;
}

const PATHS = `Employee ID,Name,Org Path
E1,Ann,Acme > Engineering > Backend
E2,Bob,Acme > Engineering > Backend
E3,Cy,Acme > Engineering > Frontend
E4,Di,Acme > Sales
E5,Ed,Acme
`;

describe('path column', () => {
  it('creates every prefix once, parents first, identified by the path', async () => {
    const { plan, shaped } = await planText(PATHS, { pathColumn: 'Org Path' });
    expect(plan.errors).toEqual([]);
    expect(createdPaths(plan)).toEqual([
      'Acme | Acme',
      'Acme > Engineering | Acme/Engineering',
      'Acme > Sales | Acme/Sales',
      'Acme > Engineering > Backend | Acme/Engineering/Backend',
      'Acme > Engineering > Frontend | Acme/Engineering/Frontend',
    ]);
    // 5 rows; 5 departments (Engineering only as a prefix); row 3 repeats row 2's department.
    expect(plan.counts).toMatchObject({ rows: 5, created: 5, merged: 1, failed: 0 });
    expect(shaped.warnings).toEqual(['ignored columns that match no department field: Employee ID, Name']);
  });

  it('re-planning against what the first plan stored changes nothing', async () => {
    const first = await planText(PATHS, { pathColumn: 'Org Path' });
    const store = new Map<string, StoredDepartment>();
    applyInMemory(store, first.plan);
    const again = await planText(PATHS, { pathColumn: 'Org Path' }, { stored: [...store.values()] });
    expect(again.plan.counts).toMatchObject({ rows: 5, unchanged: 5, merged: 1, created: 0, updated: 0, moved: 0 });
    expect(again.plan.creates).toEqual([]);
    expect(again.plan.updates).toEqual([]);
  });

  it('splits on the exact separator only: elements may contain other separators', async () => {
    const csv = 'path\n"R&D / Ops > Team A, B > x-y"\n';
    const { plan } = await planText(csv, { pathColumn: 'path' });
    expect(createdPaths(plan)).toEqual([
      'R&D / Ops | R&D \\/ Ops',
      'R&D / Ops > Team A, B | R&D \\/ Ops/Team A, B',
      'R&D / Ops > Team A, B > x-y | R&D \\/ Ops/Team A, B/x-y',
    ]);
    const slash = await planText('path\n/Company/R&D > Ops/\n', { pathColumn: 'path', pathSeparator: '/' });
    expect(createdPaths(slash.plan)).toEqual(['Company | Company', 'Company > R&D > Ops | Company/R&D > Ops']);
  });

  it('fails a row with an empty level in the middle, or no path at all', async () => {
    const csv = 'id,path\n1,A > B\n2,A >  > C\n3,\n4,A > B > \n';
    const { plan } = await planText(csv, { pathColumn: 'path' });
    expect(errorList(plan)).toEqual(['3 EMPTY_PATH_LEVEL path', '4 NAME_REQUIRED path']);
    // A trailing separator is harmless: row 5 is A > B again.
    expect(plan.counts).toMatchObject({ rows: 4, created: 2, merged: 1, failed: 2 });
  });

  it('fails a path of only separators and blanks with NAME_REQUIRED (it crashed with a TypeError)', async () => {
    // The separator is " > ": a lone ">" is a department named ">".
    const csv = 'id,path\n1," > "\n2,>\n3," >  > "\n4,"  >  "\n';
    const { plan } = await planText(csv, { pathColumn: 'path' });
    expect(errorList(plan)).toEqual(['2 NAME_REQUIRED path', '4 NAME_REQUIRED path', '5 NAME_REQUIRED path']);
    expect(plan.counts).toMatchObject({ rows: 4, created: 1, failed: 3 });
    // What the pipeline fuzz found (fast-check seed 1756598176): BOM, tabs, CRLF, a path " > ".
    const fuzz = '\ufeffpath\tcode\terror_code\tdescription\tstatus\r\n\t\t\t\t\r\n > \t\t\t\t\r\n\t\t\t\t\r\n\t\t\t\t\r\n\t\t\t';
    const result = await runPurePipeline([new TextEncoder().encode(fuzz)], 'in.csv', { pathColumn: 'path' }, ORG);
    expect(result.kind).toBe('report');
    if (result.kind === 'report') expect(errorList(result.plan)).toContain('3 NAME_REQUIRED path');
  });

  it('normalises path elements like names: trims, collapses spaces (NBSP too), NFC', async () => {
    const csv = 'path\n" Acme\u00a0\u00a0Corp  >  Cafe\u0301 "\nAcme Corp > Café\n';
    const { plan } = await planText(csv, { pathColumn: 'path' });
    expect(createdPaths(plan)).toEqual(['Acme Corp | Acme Corp', 'Acme Corp > Café | Acme Corp/Café']);
    expect(plan.counts).toMatchObject({ created: 2, merged: 1 });
  });

  it('fails a level longer than 255 characters with NAME_TOO_LONG, and skips what is below it', async () => {
    const long = 'x'.repeat(256);
    const csv = `path\nA > ${long} > C\nA > B\n`;
    const { plan } = await planText(csv, { pathColumn: 'path' });
    expect(errorList(plan)).toEqual(['2 NAME_TOO_LONG path', '2 PARENT_FAILED parent']);
    expect(plan.counts).toMatchObject({ rows: 2, created: 2, failed: 1, skipped: 1 });
  });

  it('gives the row mapped fields to the last department, and reports rows that disagree', async () => {
    const csv = 'emp,path,Cost Center\nE1,A > B,CC1\nE2,A > B,CC1\nE3,A > B,CC2\nE4,A,CC0\n';
    const mapping = { columns: { 'Cost Center': 'code' } };
    const { plan } = await planText(csv, { pathColumn: 'path', mapping });
    expect(errorList(plan)).toEqual(['2 CONFLICTING_VALUES code', '4 CONFLICTING_VALUES code']);
    const message = plan.errors[0]!.message;
    expect(message).toContain('rows 2-3: code "CC1"');
    expect(message).toContain('row 4: code "CC2"');
    // A is created with its code; A > B fails (rows 2 and 4 failed, row 3 merged into row 2).
    expect(plan.creates.map((d) => [d.name, d.code])).toEqual([['A', 'CC0']]);
    expect(plan.counts).toMatchObject({ rows: 4, created: 1, failed: 2, merged: 1 });
  });

  it('refuses name, parent and identity columns in a path shape (the path gives them)', () => {
    expect(optionsError({ pathColumn: 'path', mapping: { columns: { Dept: 'name' } } })).toContain('cannot be mapped to name');
    expect(optionsError({ pathColumn: 'p', levelColumns: 'a,b' })).toContain('not both');
    expect(optionsError({ pathColumn: 'p', memberColumn: 'p' })).toContain('cannot also be a path or level column');
  });
});

describe('level columns', () => {
  const LEVELS = `Division;Department;Team;EMPLOYEE_ID
Technik;Konstruktion;Elektro;100
Technik;Konstruktion;;101
Technik;;;102
Vertrieb;Süd;;103
Technik;;Elektro;104
;;;105
`;

  it('reads levels top-down: trailing empty levels are fine, a gap is an error on that row', async () => {
    const { plan } = await planText(LEVELS, { levelColumns: 'Division,Department,Team' });
    expect(createdPaths(plan)).toEqual([
      'Technik | Technik',
      'Vertrieb | Vertrieb',
      'Technik > Konstruktion | Technik/Konstruktion',
      'Vertrieb > Süd | Vertrieb/Süd',
      'Technik > Konstruktion > Elektro | Technik/Konstruktion/Elektro',
    ]);
    expect(errorList(plan)).toEqual(['6 EMPTY_PATH_LEVEL path', '7 NAME_REQUIRED path']);
    expect(plan.errors[0]!.message).toContain('"Department" is empty but "Team" below it is not');
  });

  it('gives the same identity as the same path in a path column', async () => {
    const levels = await shapeText('a,b\nX,Y\n', { levelColumns: ['a', 'b'] });
    const path = await shapeText('p\nX > Y\n', { pathColumn: 'p' });
    expect(levels.rows.map((r) => r.row.fields.openDepartmentId)).toEqual(path.rows.map((r) => r.row.fields.openDepartmentId));
  });

  it('names every missing column at once', async () => {
    const error = await fileError(shapeText(LEVELS, { levelColumns: 'Division,Abteilung,Team', memberColumn: 'Employee' }));
    expect(error.code).toBe('MAPPING_COLUMN_NOT_FOUND');
    expect(error.message).toContain('"Abteilung"');
    expect(error.message).toContain('"Employee" (did you mean "EMPLOYEE_ID"?)');
  });
});

describe('employee rows and members', () => {
  const EMPLOYEES = `EMPLOYEE_ID,DEPT_CODE,DEPT_NAME,PARENT_DEPT_CODE
E1,HQ,Head Office,
E2,ENG,Engineering,HQ
E3,ENG,Engineering,HQ
E4,ENG,Engineering,HQ
E5,OPS,Operations,HQ
E6,OPS,Operations,ENG
E7,OPS,Operations,HQ
E8,LAB,Labs,OPS
E9,MKT,Marketing,HQ
E10,MKT,Marketing Dept,HQ
E11,ENG,Engineering,HQ
E11,ENG,Engineering,HQ
,HQ,Head Office,
`;
  const mapping = { columns: { DEPT_CODE: 'code', DEPT_NAME: 'name', PARENT_DEPT_CODE: 'parentCode' } };

  it('merges identical rows silently and reports conflicting ones with every row', async () => {
    const { plan } = await planText(EMPLOYEES, { memberColumn: 'EMPLOYEE_ID', mapping });
    expect(errorList(plan)).toEqual([
      '6 MULTIPLE_PARENTS parent',
      '7 MULTIPLE_PARENTS parent',
      '9 PARENT_FAILED parent',
      '10 CONFLICTING_VALUES name',
      '11 CONFLICTING_VALUES name',
    ]);
    expect(plan.errors[0]!.message).toBe(
      'rows for department "OPS" name 2 different parents: "HQ" on rows 6, 8; "ENG" on row 7; a department has one parent',
    );
    expect(plan.errors[3]!.message).toBe('rows for department "MKT" give different values for name: row 10: name "Marketing"; row 11: name "Marketing Dept"');
    // 13 rows: HQ and ENG created; rows 4, 5, 8, 12, 13, 14 merged; OPS (6, 7) and MKT (10, 11) failed; LAB skipped.
    expect(plan.counts).toMatchObject({ rows: 13, created: 2, merged: 6, failed: 4, skipped: 1 });
  });

  it('collects each department\'s members once, skipping empty member cells', async () => {
    const { plan } = await planText(EMPLOYEES, { memberColumn: 'EMPLOYEE_ID', mapping });
    const byId = new Map(plan.creates.map((d) => [d.id, d.code]));
    const adds = [...memberships(plan.members!.adds)].map((m) => `${byId.get(m.departmentId)}:${m.memberId}`);
    expect(adds).toEqual(['HQ:E1', 'ENG:E2', 'ENG:E3', 'ENG:E4', 'ENG:E11']);
    expect(plan.members!.counts.map((c) => `${byId.get(c.departmentId)}=${c.memberCount}`)).toEqual(['HQ=1', 'ENG=4']);
  });

  it('lists every conflicting row as ranges, however many rows repeat each variant', async () => {
    // HQ, ENG and LAB exist (rows 2-4); then 300 rows for OPS alternating between two parents (150 each,
    // none consecutive: rows 5-304), then 100 consecutive ones with a third (rows 305-404).
    const rows = ['X1,HQ,Head Office,', 'X2,ENG,Engineering,HQ', 'X3,LAB,Labs,HQ'];
    rows.push(...Array.from({ length: 300 }, (_, i) => `E${i},OPS,Operations,${i % 2 === 0 ? 'HQ' : 'ENG'}`));
    rows.push(...Array.from({ length: 100 }, (_, i) => `F${i},OPS,Operations,LAB`));
    const csv = `EMPLOYEE_ID,DEPT_CODE,DEPT_NAME,PARENT_DEPT_CODE\n${rows.join('\n')}\n`;
    const { plan } = await planText(csv, { memberColumn: 'EMPLOYEE_ID', mapping });
    expect(errorList(plan)).toEqual(['5 MULTIPLE_PARENTS parent', '6 MULTIPLE_PARENTS parent', '305 MULTIPLE_PARENTS parent']);
    const message = plan.errors[0]!.message;
    expect(message).toContain('name 3 different parents: "HQ" on rows 5, 7, 9,');
    expect(message).toContain(', 103 and 100 more (150 rows in all);'); // the first 50 ranges, then a count
    expect(message).toContain('"LAB" on rows 305-404;');
    expect(plan.counts).toMatchObject({ rows: 403, created: 3, failed: 3, merged: 397 });
  });

  it('--repeated-rows groups rows per department without members (one row per parent pair)', async () => {
    const csv = 'slug,title,parent\na,A,\nb,B,a\nc,C,a\nc,C,b\nb,B,a\n';
    const { plan } = await planText(csv, { repeatedRows: true, mapping: { columns: { slug: 'openDepartmentId', title: 'name', parent: 'parentOpenDepartmentId' } } });
    expect(errorList(plan)).toEqual(['4 MULTIPLE_PARENTS parent', '5 MULTIPLE_PARENTS parent']);
    expect(plan.counts).toMatchObject({ rows: 5, created: 2, merged: 1, failed: 2 });
  });

  it('without --repeated-rows, two rows with one code are still DUPLICATE_CODE', async () => {
    const { plan } = await planText('name,code\nA,X\nB,X\n');
    expect(errorList(plan)).toEqual(['3 DUPLICATE_CODE code']);
  });

  it('reports a row whose own values are invalid, and builds the department from the valid rows', async () => {
    const csv = 'emp,code,name,isVirtual\nE1,A,Alpha,maybe\nE2,A,Alpha,false\nE3,B,Beta,perhaps\nE4,B,Beta,perhaps\n';
    const { plan } = await planText(csv, { memberColumn: 'emp' });
    expect(errorList(plan)).toEqual(['2 INVALID_FIELD isVirtual', '4 INVALID_FIELD isVirtual']);
    // A from row 3; B has no valid row: it fails (row 4), row 5 repeats row 4.
    expect(plan.creates.map((d) => d.code)).toEqual(['A']);
    expect(plan.counts).toMatchObject({ rows: 4, created: 1, failed: 2, merged: 1 });
    // The member of the failed row still belongs to A (its department is known): nothing to remove on a sync.
    expect([...memberships(plan.members!.adds)].map((m) => m.memberId)).toEqual(['E1', 'E2']);
  });

  it('fails a row whose member id is not valid', async () => {
    const { plan } = await planText(`emp,code,name\n${'x'.repeat(192)},A,Alpha\nE2,A,Alpha\n`, { memberColumn: 'emp' });
    expect(errorList(plan)).toEqual(['2 INVALID_FIELD member']);
    expect([...memberships(plan.members!.adds)].map((m) => m.memberId)).toEqual(['E2']);
  });
});

describe('mappings and unknown columns', () => {
  it('maps the file\'s own column names; explicit mappings win over the vocabulary', async () => {
    const csv = 'Kostenstelle,Bezeichnung,Übergeordnet,code,Notiz\nK1,Vorstand,,X1,n\nK2,Einkauf,K1,X2,n\n';
    const mapping = { columns: { Kostenstelle: 'code', Bezeichnung: 'name', Übergeordnet: 'parentCode', Notiz: 'ignore' } };
    const { plan, shaped } = await planText(csv, { mapping });
    expect(plan.errors).toEqual([]);
    expect(plan.creates.map((d) => [d.name, d.code, d.depth])).toEqual([
      ['Vorstand', 'K1', 0],
      ['Einkauf', 'K2', 1],
    ]);
    // `code` would be the code by vocabulary, but the mapping gave code to Kostenstelle.
    expect(shaped.warnings).toEqual(['ignored columns that match no department field: code']);
  });

  it('names a mapped column the file lacks', async () => {
    const error = await fileError(shapeText('name,code\nA,a\n', { mapping: { columns: { Kostenstelle: 'code' } } }));
    expect(error).toMatchObject({ code: 'MAPPING_COLUMN_NOT_FOUND' });
    expect(error.message).toContain('"Kostenstelle"');
  });

  it('refuses unknown mapping keys and unknown fields, naming them', () => {
    expect(optionsError({ mapping: { colums: {} } })).toMatch(/mapping: .*"colums"/);
    expect(optionsError({ mapping: { columns: { Dept: 'department' } } })).toContain('mapping.columns.Dept: "department" is not a department field');
    expect(optionsError({ mapping: { defaults: { code: 'X' } } })).toContain('"code" cannot have a default');
    expect(optionsError({ encoding: 'ebcdic' })).toContain('unknown encoding "ebcdic"');
  });

  it('fills defaults for missing and empty values', async () => {
    const { plan } = await planText('name,location\nA,\nB,Basel\n', { mapping: { defaults: { location: 'Bern', isVirtual: true } } });
    expect(plan.creates.map((d) => [d.name, d.location, d.isVirtual])).toEqual([
      ['A', 'Bern', true],
      ['B', 'Basel', true],
    ]);
  });

  it('keeps unknown columns in customData with --keep-unknown-columns, instead of a warning', async () => {
    const csv = 'name,Cost Center,Budget,customData\nA,CC1,,"{""x"":1}"\nB,,,\n';
    const { plan, shaped } = await planText(csv, { keepUnknownColumns: true });
    expect(plan.creates.map((d) => d.customData)).toEqual([{ 'Cost Center': 'CC1', x: 1 }, null]);
    expect(shaped.warnings).toEqual(['kept in customData (--keep-unknown-columns): Cost Center, Budget']);
    const plain = await shapeText(csv);
    expect(plain.warnings).toEqual(['ignored columns that match no department field: Cost Center, Budget']);
  });

  it('lets flags win over the mapping', async () => {
    const shaped = await shapeText('p;q\nA/B;A|B\n', { pathColumn: 'q', pathSeparator: '|', mapping: { pathColumn: 'p', pathSeparator: '/' } });
    expect(shaped.rows.map((r) => r.row.fields.openDepartmentId)).toEqual(['A', 'A/B']);
  });
});

describe('names', () => {
  it('rejects control characters per row, or removes them with --clean-names and says so', async () => {
    const csv = 'name,code\n"Sales\u0007 EMEA",S\n"Ops\u0000x",O\nFine,F\n';
    // (NUL is refused by the decoder for the whole file: use other control characters.)
    const text = csv.replace('\u0000', '\u0001');
    const strict = await planText(text);
    expect(errorList(strict.plan)).toEqual(['2 INVALID_FIELD name', '3 INVALID_FIELD name']);
    expect(strict.plan.errors[0]!.message).toContain('--clean-names');
    const cleaned = await planText(text, { cleanNames: true });
    expect(cleaned.plan.errors).toEqual([]);
    expect(cleaned.plan.creates.map((d) => d.name)).toEqual(['Sales EMEA', 'Opsx', 'Fine']);
    expect(cleaned.shaped.warnings).toEqual([
      'row 2: removed control characters from the name "Sales\\u0007 EMEA", now "Sales EMEA"',
      'row 3: removed control characters from the name "Ops\\u0001x", now "Opsx"',
    ]);
  });

  it('cleans path levels too, and reports a name cleaned on many rows once', async () => {
    const csv = 'emp,path\n1,"A > B\u0002"\n2,"A > B\u0002"\n3,"A > B\u0002"\n';
    const { shaped, plan } = await planText(csv, { pathColumn: 'path', memberColumn: 'emp', cleanNames: true });
    expect(createdPaths(plan)).toEqual(['A | A', 'A > B | A/B']);
    expect(shaped.warnings).toEqual(['row 2: removed control characters from the name "B\\u0002", now "B" (and on 2 more rows)']);
  });
});

describe('nested org charts', () => {
  const TREE = `- name: Company
  code: CO
  children:
    - name: Engineering
      code: ENG
      children:
        - name: Backend
          parentCode: ENG
        - name: Frontend
          parentCode: CO
    - name: Sales
      parent_id: null
`;

  it('takes the parent from the nesting; a parent reference that contradicts it fails the row', async () => {
    const { plan } = await planText(TREE, {}, { fileName: 'org.yaml' });
    expect(errorList(plan)).toEqual(['9 NESTED_PARENT_CONFLICT parent', '11 NESTED_PARENT_CONFLICT parent']);
    expect(plan.errors[0]!.message).toContain('names "CO" as its parent, but it is nested under row 4');
    expect(plan.errors[1]!.message).toContain('says it is a top-level department');
    expect(createdPaths(plan)).toEqual(['Company | -', 'Company > Engineering | -', 'Company > Engineering > Backend | -']);
  });

  it('a failed parent skips its nested subtree', async () => {
    const yaml = `- name: ${'x'.repeat(300)}\n  children:\n    - name: A\n      children:\n        - name: B\n`;
    const { plan } = await planText(yaml, {}, { fileName: 'org.yaml' });
    expect(errorList(plan)).toEqual(['1 NAME_TOO_LONG name', '3 PARENT_FAILED parent', '5 PARENT_FAILED parent']);
  });

  it('nested children cannot be combined with a row shape', async () => {
    const error = await fileError(shapeText(TREE, { repeatedRows: true }, 'org.yaml'));
    expect(error.code).toBe('INVALID_DOCUMENT');
  });

  it('a nested node may match a stored department by name under its (stored) parent', async () => {
    const first = await planText(TREE.replace(/\n {10}parentCode: CO/, '').replace(/\n {6}parent_id: null/, ''), {}, { fileName: 'org.yaml', newId: idGenerator('dept_a') });
    expect(first.plan.errors).toEqual([]);
    const store = new Map<string, StoredDepartment>();
    applyInMemory(store, first.plan);
    const again = await planText(TREE.replace(/\n {10}parentCode: CO/, '').replace(/\n {6}parent_id: null/, ''), {}, { fileName: 'org.yaml', stored: [...store.values()] });
    expect(again.plan.counts).toMatchObject({ rows: 5, unchanged: 5 });
  });
});

describe('path keys', () => {
  it('escape the separator and the escape character, so different paths never share a key', () => {
    expect(pathKey(['a/b', 'c'])).toBe('a\\/b/c');
    expect(pathKey(['a', 'b/c'])).toBe('a/b\\/c');
    expect(pathKey(['a\\', 'b'])).not.toBe(pathKey(['a', '\\b']));
  });

  it('stay within 512 characters, stable and distinct, for very long paths', () => {
    const long = Array.from({ length: 9 }, (_, i) => `${'Ä'.repeat(100)}${i}`);
    const key = pathKey(long);
    expect([...key].length).toBeLessThanOrEqual(512);
    expect(pathKey(long)).toBe(key);
    expect(pathKey([...long.slice(0, 8), 'other'])).not.toBe(key);
  });
});
