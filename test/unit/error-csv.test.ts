import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ERROR_REPORT_COLUMNS, errorReportCsv, type ErrorReportRow } from '../../src/core/report/errorCsv.js';
import { neutraliseFormula } from '../../src/core/report/formulaSafe.js';

const ERROR_HEADER = [...ERROR_REPORT_COLUMNS];

/** Parses a report back into rows of cells, the way a re-import would read it. */
function parseReport(csv: string): string[][] {
  return parse(csv, { bom: true }) as string[][];
}

function nameError() {
  return { code: 'NAME_REQUIRED', field: 'name', message: 'The department has no name.' };
}

function report(columns: string[], rows: ErrorReportRow[]): string[][] {
  return parseReport(errorReportCsv({ columns, rows }));
}

const FORMULAS = [
  '=HYPERLINK("http://x","y")',
  '+cmd',
  '-2+3',
  '@SUM(A1)',
  '\t=1+1',
  '\tleading tab',
  '\r=1+1',
  '\rleading cr',
];

describe('neutraliseFormula', () => {
  it.each(FORMULAS)('prefixes a single quote to %j', (cell) => {
    expect(neutraliseFormula(cell)).toBe(`'${cell}`);
  });

  it('also catches a trigger after leading whitespace', () => {
    expect(neutraliseFormula(' =1+1')).toBe("' =1+1");
    expect(neutraliseFormula('\n@SUM(A1)')).toBe("'\n@SUM(A1)");
    expect(neutraliseFormula('\u00a0+cmd')).toBe("'\u00a0+cmd");
  });

  it('catches full-width triggers and NUL', () => {
    expect(neutraliseFormula('\uFF1D1+1')).toBe("'\uFF1D1+1");
    expect(neutraliseFormula('\0=1')).toBe("'\0=1");
  });

  it.each(['', '   ', 'Engineering', 'a=b', 'R&D - Backend', 'x+1', "'quoted", 'Müller & Söhne', '研发中心', '営業本部', '00123'])(
    'leaves %j unchanged',
    (cell) => {
      expect(neutraliseFormula(cell)).toBe(cell);
    },
  );
});

describe('errorReportCsv', () => {
  it('starts with a UTF-8 BOM and ends every record with CRLF', () => {
    const csv = errorReportCsv({ columns: ['name', 'code'], rows: [{ raw: { name: '', code: 'A' }, row: 2, errors: [nameError()] }] });
    expect(csv.startsWith('\uFEFF')).toBe(true);
    expect(csv.endsWith('\r\n')).toBe(true);
    const lines = csv.slice(1).split('\r\n');
    expect(lines).toHaveLength(3); // header, one row, trailing empty string
    expect(csv.replaceAll('\r\n', '')).not.toContain('\n');
    // The BOM survives an encode to bytes: EF BB BF.
    expect([...Buffer.from(csv, 'utf8').subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  });

  it('keeps the original columns in order and appends the error columns', () => {
    const columns = ['parentDepartmentId', 'name', 'code', 'openDepartmentId'];
    const rows = report(columns, [
      { raw: { code: 'BE', name: 'Backend', openDepartmentId: 'ou_be', parentDepartmentId: 'ou_missing' }, row: 3, errors: [{ code: 'PARENT_NOT_FOUND', field: 'parent', message: 'No department ou_missing.' }] },
    ]);
    expect(rows[0]).toEqual([...columns, ...ERROR_HEADER]);
    expect(rows[1]).toEqual(['ou_missing', 'Backend', 'BE', 'ou_be', '3', 'PARENT_NOT_FOUND', 'parent', 'No department ou_missing.']);
  });

  it('writes a header-only report when no row failed', () => {
    expect(report(['name'], [])).toEqual([['name', ...ERROR_HEADER]]);
  });

  it('writes ONE line per failed row, joining several errors with " | "', () => {
    const rows = report(['name', 'code'], [
      {
        raw: { name: 'x'.repeat(300), code: 'DUP' },
        row: 4,
        errors: [
          { code: 'NAME_TOO_LONG', field: 'name', message: 'The name has 300 characters; at most 255 are allowed.' },
          { code: 'DUPLICATE_CODE', field: 'code', message: 'Code DUP is also used by row 2.' },
        ],
      },
    ]);
    expect(rows).toHaveLength(2);
    expect(rows[1]!.slice(2)).toEqual([
      '4',
      'NAME_TOO_LONG | DUPLICATE_CODE',
      'name | code',
      'The name has 300 characters; at most 255 are allowed. | Code DUP is also used by row 2.',
    ]);
  });

  it('merges entries for the same row number and orders lines by row', () => {
    const raw = { name: 'A' };
    const rows = report(['name'], [
      { raw: { name: 'C' }, row: 9, errors: [nameError()] },
      { raw, row: 5, errors: [{ code: 'SELF_PARENT', field: 'parent', message: 'm1' }] },
      { raw, row: 5, errors: [{ code: 'DEPTH_EXCEEDED', field: 'parent', message: 'm2' }] },
    ]);
    expect(rows.map((r) => r[1])).toEqual(['error_row', '5', '9']);
    expect(rows[1]!.slice(2)).toEqual(['SELF_PARENT | DEPTH_EXCEEDED', 'parent | parent', 'm1 | m2']);
  });

  it('neutralises formula cells in raw values, messages and headers', () => {
    const columns = FORMULAS.map((_, i) => `c${i}`);
    const raw = Object.fromEntries(FORMULAS.map((f, i) => [`c${i}`, f]));
    const rows = report([...columns, '=evil()'], [
      { raw: { ...raw, '=evil()': '@x' }, row: 2, errors: [{ code: 'INVALID_FIELD', field: 'description', message: '=1+1 is not allowed' }] },
    ]);
    expect(rows[0]![columns.length]).toBe("'=evil()");
    expect(rows[1]!.slice(0, FORMULAS.length)).toEqual(FORMULAS.map((f) => `'${f}`));
    expect(rows[1]![FORMULAS.length]).toBe("'@x");
    expect(rows[1]!.at(-1)).toBe("'=1+1 is not allowed");
  });

  it('keeps normal values and unicode intact', () => {
    const values = {
      name: 'Geschäftsführung Zürich',
      code: '00123',
      description: '研发中心 · 営業本部 · 인사팀 · Ærø',
      location: 'a=b, x+1',
      emoji: 'Team 🚀',
    };
    const rows = report(Object.keys(values), [{ raw: values, row: 7, errors: [nameError()] }]);
    expect(rows[1]!.slice(0, 5)).toEqual(Object.values(values));
  });

  it('round-trips commas, quotes and line breaks through csv-parse', () => {
    const values = {
      name: 'Sales, EMEA',
      description: 'He said "hello"',
      notes: 'line 1\nline 2\r\nline 3',
      semi: 'a;b;c',
      quoteOnly: '"',
    };
    const rows = report(Object.keys(values), [{ raw: values, row: 2, errors: [{ code: 'INVALID_FIELD', field: 'notes', message: 'Bad value "x",\nsee docs' }] }]);
    expect(rows[1]!.slice(0, 5)).toEqual(Object.values(values));
    expect(rows[1]!.at(-1)).toBe('Bad value "x",\nsee docs');
  });

  it('JSON-stringifies objects and arrays, prints scalars, leaves missing values empty', () => {
    const raw = {
      name: 'Backend',
      i18n: { name: { 'zh-CN': { enabled: true, value: '后端组' } } },
      leaderUserIds: ['u1', 'u2'],
      isVirtualNode: false,
      memberCount: 12,
      parent_id: null,
    };
    const columns = ['name', 'i18n', 'leaderUserIds', 'isVirtualNode', 'memberCount', 'parent_id', 'not_in_raw'];
    const rows = report(columns, [{ raw, row: 10, errors: [nameError()] }]);
    expect(rows[1]!.slice(0, columns.length)).toEqual([
      'Backend',
      '{"name":{"zh-CN":{"enabled":true,"value":"后端组"}}}',
      '["u1","u2"]',
      'false',
      '12',
      '',
      '',
    ]);
  });

  it('reads only own keys of raw (a __proto__ column is plain data)', () => {
    // Readers produce null-prototype records, where `__proto__` is an own key.
    const nullProto = Object.create(null) as Record<string, unknown>;
    nullProto['name'] = 'X';
    nullProto['__proto__'] = 'p';
    expect(report(['name', '__proto__'], [{ raw: nullProto, row: 2, errors: [nameError()] }])[1]!.slice(0, 2)).toEqual(['X', 'p']);
    // An ordinary object without the key must not print Object.prototype.
    expect(report(['name', '__proto__', 'toString'], [{ raw: { name: 'Y' }, row: 2, errors: [nameError()] }])[1]!.slice(0, 3)).toEqual(['Y', '', '']);
  });

  it('drops stale error columns of a re-imported report, so it can be imported again', () => {
    const columns = ['name', 'code', ...ERROR_HEADER];
    const raw = { name: '', code: 'A', error_row: '2', error_code: 'OLD', error_field: 'name', error_message: 'old' };
    const rows = report(columns, [{ raw, row: 2, errors: [nameError()] }]);
    expect(rows[0]).toEqual(['name', 'code', ...ERROR_HEADER]);
    expect(rows[1]).toEqual(['', 'A', '2', 'NAME_REQUIRED', 'name', 'The department has no name.']);
  });

  it('round-trips any text: the cell reads back as itself, or as itself behind one quote when it was a formula', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary', maxLength: 20 }), { minLength: 1, maxLength: 4 }), (values) => {
        const columns = values.map((_, i) => `c${i}`);
        const raw = Object.fromEntries(values.map((v, i) => [`c${i}`, v]));
        const rows = parseReport(errorReportCsv({ columns, rows: [{ raw, row: 2, errors: [nameError()] }] }));
        expect(rows).toHaveLength(2);
        values.forEach((v, i) => {
          const cell = rows[1]![i]!;
          expect(cell).toBe(neutraliseFormula(v));
          expect(cell === v || cell === `'${v}`).toBe(true);
        });
      }),
      { numRuns: 300 },
    );
  });
});
