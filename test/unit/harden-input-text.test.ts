/**
 * Issue 11 items 3, 12, 13 and 15, in the pure pipeline (read -> shape):
 * unpaired surrogates, JSON numbers used as text, duplicate JSON keys, and
 * invisible formatting characters (bidi overrides, zero-width characters).
 */
import { describe, expect, it } from 'vitest';
import { FileError } from '../../src/core/errors.js';
import type { ImportOptionsInput } from '../../src/core/importOptions.js';
import { checkInvisible, containsLoneSurrogate, printable } from '../../src/core/normalise/characters.js';
import { shapeText } from '../support/shapeHarness.js';

async function shaped(text: string, fileName: string, options: ImportOptionsInput = {}) {
  return shapeText(text, options, fileName);
}

/** Every issue of the shaped rows and rejected rows, as [row, code, field]. */
async function issuesOf(text: string, fileName: string, options: ImportOptionsInput = {}) {
  const s = await shaped(text, fileName, options);
  const issues = [...s.rows.flatMap((r) => r.issues), ...s.rejected.flatMap((r) => r.issues)];
  return issues.map((i) => [i.row, i.code, i.field]);
}

async function fileError(promise: Promise<unknown>): Promise<FileError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(FileError);
    return error as FileError;
  }
  throw new Error('expected a FileError');
}

describe('unpaired UTF-16 surrogates (item 3)', () => {
  it('fails the row with INVALID_FIELD naming the field, in JSON, NDJSON and YAML, names and codes alike', async () => {
    const json = '[{"name":"X\\ud800","code":"A"},{"name":"B","code":"X\\udc00"},{"name":"C","code":"C"}]';
    expect(await issuesOf(json, 'in.json')).toEqual([
      [1, 'INVALID_FIELD', 'name'],
      [1, 'INVALID_FIELD', 'code'],
    ]);
    const ndjson = '{"name":"X\\ud800"}\n{"name":"B","parentCode":"X\\udc00"}\n{"name":"C"}\n';
    expect(await issuesOf(ndjson, 'in.ndjson')).toEqual([
      [1, 'INVALID_FIELD', 'name'],
      [2, 'INVALID_FIELD', 'parent'],
    ]);
    const yaml = '- name: "X\\ud800"\n- name: B\n  description: "d\\udc00"\n- name: C\n';
    expect(await issuesOf(yaml, 'in.yaml')).toEqual([
      [1, 'INVALID_FIELD', 'name'],
      [2, 'INVALID_FIELD', 'description'],
    ]);
  });

  it('looks inside lists and objects (ids, customData keys and values) and JSON text in CSV cells', async () => {
    const json = '[{"name":"A","leaderUserIds":["u\\ud800"]},{"name":"B","customData":{"k\\udc00":1}},{"name":"C","i18n":{"de":{"name":"\\ud83d"}}}]';
    expect(await issuesOf(json, 'in.json')).toEqual([
      [1, 'INVALID_FIELD', 'leaderUserIds'],
      [1, 'INVALID_FIELD', 'customData'],
      [1, 'INVALID_FIELD', 'i18n'],
    ]);
    const csv = 'name,customData,leaderUserIds\nA,"{""k"":""\\ud800""}",\nB,,"[""\\udc00""]"\n';
    expect(await issuesOf(csv, 'in.csv')).toEqual([
      [2, 'INVALID_FIELD', 'customData'],
      [3, 'INVALID_FIELD', 'leaderUserIds'],
    ]);
  });

  it('checks path levels, member ids and --keep-unknown-columns values', async () => {
    const levels = '[{"l1":"A","l2":"B\\ud800","member":"m1"},{"l1":"A","member":"m\\udc00"}]';
    const issues = await issuesOf(levels, 'in.json', { levelColumns: ['l1', 'l2'], memberColumn: 'member' });
    expect(issues).toEqual([
      [1, 'INVALID_FIELD', 'path'],
      [1, 'INVALID_FIELD', 'member'],
    ]);
    const unknown = '[{"name":"A","extra":"x\\ud800"}]';
    expect(await issuesOf(unknown, 'in.json', { keepUnknownColumns: true })).toEqual([[1, 'INVALID_FIELD', 'customData']]);
  });

  it('keeps well-formed astral characters (a surrogate pair is one character)', async () => {
    const s = await shaped('[{"name":"Team \\ud83d\\ude00","code":"\\ud842\\udfb7"}]', 'in.json');
    expect(s.rows[0]!.issues).toEqual([]);
    expect(s.rows[0]!.row.fields).toMatchObject({ name: 'Team 😀', code: '𠮷' });
  });

  it('refuses a document organization that cannot be stored', async () => {
    const e = await fileError(shaped('{"organization":{"code":"acme","name":"A\\ud800"},"departments":[]}', 'in.json'));
    expect(e.code).toBe('INVALID_DOCUMENT');
    expect(e.message).toContain('organization.name');
    const yaml = await fileError(shaped('organization: "acme\\udc00"\ndepartments: []\n', 'in.yaml'));
    expect([yaml.code, yaml.line]).toEqual(['INVALID_DOCUMENT', 1]);
  });

  it('containsLoneSurrogate walks deep values without recursion', () => {
    let deep: unknown = 'x\ud800';
    for (let i = 0; i < 100_000; i++) deep = i % 2 ? [deep] : { k: deep };
    expect(containsLoneSurrogate(deep)).toBe(true);
    expect(containsLoneSurrogate({ a: ['\ud83d\ude00'] })).toBe(false);
  });
});

describe('JSON numbers used as text keep their source text (item 12)', () => {
  it('keeps 1e400, -0, 1.10, 1e2 and 12345678901234567890 as written, in JSON and NDJSON', async () => {
    const json = '[{"name":"A","code":1e400},{"name":"B","code":-0},{"name":"C","code":1.10},{"name":"D","code":1e2},{"name":"E","code":12345678901234567890},{"name":"F","code":42}]';
    const s = await shaped(json, 'in.json');
    expect(s.rows.map((r) => r.row.fields.code)).toEqual(['1e400', '-0', '1.10', '1e2', '12345678901234567890', '42']);
    expect(s.rows.flatMap((r) => r.issues)).toEqual([]);
    const nd = await shaped('{"name":"A","code":1.10}\n{"name":"B","children":[{"name":"C","code":1e2}]}\n', 'in.ndjson');
    expect(nd.rows.map((r) => r.row.fields.code)).toEqual(['1.10', undefined, '1e2']);
  });

  it('keeps them in nested departments and in id lists; exact nested numbers stay numbers', async () => {
    const json =
      '{"departments":[{"name":"A","children":[{"name":"B","openDepartmentId":1e2,"leaderUserIds":[12345678901234567890,7],"customData":{"n":1.5}}]}]}';
    const s = await shaped(json, 'in.json');
    const b = s.rows[1]!.row.fields;
    expect(b.openDepartmentId).toBe('1e2');
    expect(b.leaderUserIds).toEqual(['12345678901234567890', '7']);
    expect(b.customData).toEqual({ n: 1.5 });
  });

  it('keeps a number JSON cannot hold inside customData as written, as YAML does, never as another number', async () => {
    const json = await shaped('[{"name":"A","customData":{"n":1e400,"m":12345678901234567890}}]', 'in.json');
    const yaml = await shaped('- name: A\n  customData: {n: 1e400, m: 12345678901234567890}\n', 'in.yaml');
    expect(json.rows[0]!.row.fields.customData).toEqual({ n: '1e400', m: '12345678901234567890' });
    expect(yaml.rows[0]!.row.fields.customData).toEqual(json.rows[0]!.row.fields.customData);
  });

  it('keeps a numeric organization code as written', async () => {
    const s = await shaped('{"organization":{"code":1e2},"departments":[{"name":"A"}]}', 'in.json');
    expect(s.documentOrganization).toEqual({ code: '1e2' });
  });

  it('YAML and JSON agree on a code written as a number', async () => {
    const yaml = await shaped('- name: A\n  code: 1.10\n- name: B\n  code: 1e2\n', 'in.yaml');
    const json = await shaped('[{"name":"A","code":1.10},{"name":"B","code":1e2}]', 'in.json');
    expect(json.rows.map((r) => r.row.fields.code)).toEqual(yaml.rows.map((r) => r.row.fields.code));
  });
});

describe('duplicate keys in JSON and NDJSON (item 13)', () => {
  it('refuses them as YAML does (a syntax error naming the key and its line)', async () => {
    const e = await fileError(shaped('[\n  {"name":"A",\n   "name":"B"}\n]', 'in.json'));
    expect([e.code, e.line, e.details]).toEqual(['JSON_SYNTAX_ERROR', 3, { key: 'name' }]);
    expect(e.message).toBe('line 3: the key "name" appears twice in the same object');
    const yaml = await fileError(shaped('- name: A\n  name: B\n', 'in.yaml'));
    expect(yaml.code).toBe('YAML_SYNTAX_ERROR');
  });

  it('finds them in nested objects, spelled with escapes, and in NDJSON lines', async () => {
    const nested = await fileError(shaped('[{"name":"A","customData":{"k":1,\n"\\u006b":2}}]', 'in.json'));
    expect([nested.code, nested.line, nested.details]).toEqual(['JSON_SYNTAX_ERROR', 2, { key: 'k' }]);
    const nd = await fileError(shaped('{"name":"A"}\n{"code":"B","code":"C"}\n', 'in.ndjson'));
    expect([nd.code, nd.line, nd.details]).toEqual(['JSON_SYNTAX_ERROR', 2, { key: 'code' }]);
    const wrapper = await fileError(shaped('{"departments":[],"departments":[{"name":"A"}]}', 'in.json'));
    expect(wrapper.details).toEqual({ key: 'departments' });
  });

  it('accepts equal keys in different objects', async () => {
    const s = await shaped('[{"name":"A","customData":{"name":"x"}},{"name":"B"}]', 'in.json');
    expect(s.rows).toHaveLength(2);
  });
});

describe('invisible formatting characters (item 15)', () => {
  const LOOKALIKES = ['Sales\u202e', 'Sa\u200bles', 'Sales\u200d', '\u2066Sales\u2069', 'Sal\u00adles', 'Sales\u200e', '\ufeffSales'];

  it('fails names and codes that hold one, naming the character', async () => {
    for (const name of LOOKALIKES) {
      const s = await shaped(JSON.stringify([{ name: 'Sales' }, { name }, { name: 'X', code: `C${name}` }]), 'in.json');
      const issues = s.rows.flatMap((r) => r.issues);
      expect(issues.map((i) => [i.row, i.code, i.field]), JSON.stringify(name)).toEqual([
        [1, 'INVALID_FIELD', 'name'],
        [1, 'INVALID_FIELD', 'code'],
      ]);
      expect(issues[0]!.message).toMatch(/invisible formatting character U\+[0-9A-F]{4}.*--clean-names/);
    }
  });

  it('--clean-names removes them from names, keys and parent references, with a warning each', async () => {
    const csv = 'name,code,parentCode\nSales\u202e,S\u200bALES,\nTeam,T,SALES\u200d\n';
    const s = await shaped(csv, 'in.csv', { cleanNames: true });
    expect(s.rows.flatMap((r) => r.issues)).toEqual([]);
    expect(s.rows.map((r) => [r.row.fields.name, r.row.fields.code, r.row.parent])).toEqual([
      ['Sales', 'SALES', { kind: 'root' }],
      ['Team', 'T', { kind: 'ref', value: 'SALES', type: 'code', field: 'parentCode' }],
    ]);
    expect(s.warnings).toEqual([
      'row 2: removed invisible formatting characters from the name "Sales\\u202e", now "Sales"',
      'row 2: removed invisible formatting characters from the code "S\\u200bALES", now "SALES"',
      'row 3: removed invisible formatting characters from the parent reference "SALES\\u200d", now "SALES"',
    ]);
  });

  it('keeps joiners and selectors that do a visible job: emoji, Persian, Devanagari, ideographic variants', () => {
    for (const s of ['👨\u200d👩\u200d👧', '🏳\ufe0f\u200d🌈', '❤\ufe0f', '1\ufe0f\u20e3', 'می\u200cخواهم', 'क्\u200dष', '葛\udb40\udd00', '🏴\udb40\udc67\udb40\udc62\udb40\udc7f']) {
      expect(checkInvisible(s, false), JSON.stringify(s)).toEqual({ ok: true, value: s, cleaned: false });
    }
    for (const s of ['Sa\u200dles', 'Sales\ufe0f', 'a\u200cb', 'Sales\u200d']) expect(checkInvisible(s, false).ok, JSON.stringify(s)).toBe(false);
  });

  it('escapes invisible characters in messages, so a warning cannot reverse the text around it', () => {
    expect(printable('a\u202eb\u{e0067}')).toBe('"a\\u202eb\\u{e0067}"');
  });

  it('applies to path levels', async () => {
    const issues = await issuesOf('Emp,Path\nE1,Acme > Sales\u202e\n', 'in.csv', { pathColumn: 'Path' });
    expect(issues).toEqual([[2, 'INVALID_FIELD', 'path']]);
  });
});
