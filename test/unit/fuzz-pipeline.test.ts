/**
 * Fuzzing the pure pipeline (read -> shape/normalise -> plan -> error report):
 * for any input bytes, cut into any chunks, under any of a set of option
 * combinations, the result is a report or a FileError with a registered code.
 * Any other exception (a TypeError, a RangeError, a stack overflow, a planner
 * invariant) fails the property. Reports must also be sane: registered row
 * codes, parents planned before children, a parseable, formula-safe error CSV.
 */
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { ROW_ERROR_CODES } from '../../src/core/errors.js';
import type { ImportOptionsInput } from '../../src/core/importOptions.js';
import { NAME_MAX_LENGTH, type StoredDepartment } from '../../src/core/model.js';
import { department } from '../support/dbFixtures.js';
import { ORG } from '../support/planHarness.js';
import { runPurePipeline, type PipelineResult } from '../support/purePipeline.js';

/** Runs per property; each run is a few milliseconds. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 300);

const root = department(ORG, 'Stored Root', undefined, { id: 'dept_stored_root', code: 'A', openDepartmentId: 'ou_a' });
const STORED: StoredDepartment[] = [
  root,
  department(ORG, 'Stored Child', root, { id: 'dept_stored_child', code: 'B', openDepartmentId: 'ou_b' }),
  department(ORG, 'Stored Inactive', undefined, { id: 'dept_stored_off', code: 'C', isActive: false }),
];

const OPTIONS: ImportOptionsInput[] = [
  {},
  { mode: 'sync', maxDeactivate: '100%' },
  { parentRef: 'code' },
  { parentRef: 'openDepartmentId', matchBy: 'openDepartmentId' },
  { matchBy: 'name', nameScope: 'siblings' },
  { maxDepth: 2 },
  { maxRows: 3 },
  { repeatedRows: true },
  { pathColumn: 'path' },
  { levelColumns: 'l1,l2' },
  { memberColumn: 'member' },
  { cleanNames: true },
  { encoding: 'windows-1252' },
];

const FILE_NAMES = ['in.csv', 'in.yaml', 'in.json', 'in.ndjson', 'in.txt', 'in', undefined];

const encoder = new TextEncoder();

/** Bytes cut at random points: decoding must not depend on where chunks end. */
function cut(bytes: Uint8Array, points: number[]): Uint8Array[] {
  const at = [...new Set(points.map((p) => p % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let from = 0;
  for (const p of at) {
    out.push(bytes.subarray(from, p));
    from = p;
  }
  out.push(bytes.subarray(from));
  return out;
}

const FORMULA_START = /^[^\S\t\r]*[=+\-@\t\r\0\uFF1D\uFF0B\uFF0D\uFF20]/;

/** What every result must satisfy besides "no other exception". */
function checkResult(result: PipelineResult): void {
  if (result.kind === 'file-error') return;
  const { plan, reportCsv } = result;
  for (const e of plan.errors) {
    expect(Object.hasOwn(ROW_ERROR_CODES, e.code), e.code).toBe(true);
    expect(Number.isInteger(e.row) && e.row >= 1, `row ${e.row}`).toBe(true);
  }
  for (const n of Object.values(plan.counts)) expect(n).toBeGreaterThanOrEqual(0);
  // Parents are written before children, and paths and depths agree with parents.
  const known = new Map<string, StoredDepartment>(STORED.map((d) => [d.id, d]));
  for (const u of plan.updates) known.set(u.after.id, u.after);
  const created = new Set<string>();
  for (const d of plan.creates) {
    expect(created.has(d.id), `created twice: ${d.id}`).toBe(false);
    const parent = d.parentId === null ? undefined : (known.get(d.parentId) ?? plan.creates.find((c) => c.id === d.parentId));
    if (d.parentId !== null) {
      expect(parent, `parent of ${d.id}`).toBeDefined();
      expect(STORED.some((s) => s.id === d.parentId) || created.has(d.parentId), `parent of ${d.id} created after it`).toBe(true);
    }
    expect(d.path).toBe(`${parent?.path ?? ''}/${d.id}`);
    expect(d.depth).toBe(parent ? parent.depth + 1 : 0);
    expect(d.name.trim()).not.toBe('');
    expect([...d.name].length).toBeLessThanOrEqual(NAME_MAX_LENGTH);
    created.add(d.id);
  }
  // The error report parses back and contains no cell a spreadsheet would run.
  expect(reportCsv.charCodeAt(0)).toBe(0xfeff);
  const records = parse(reportCsv.slice(1), { relax_column_count: false }) as string[][];
  expect(records.length - 1).toBe(new Set(plan.rowResults.filter((r) => r.action === 'failed' || r.action === 'skipped').map((r) => r.row)).size);
  for (const record of records) for (const cell of record) expect(FORMULA_START.test(cell), JSON.stringify(cell)).toBe(false);
}

/** Outcomes per property, so a generator that only ever produces file errors is noticed. */
const tally = new Map<string, { inputs: number; reports: number; withCreates: number; fileErrors: Map<string, number> }>();

function checker(property: string) {
  const t = { inputs: 0, reports: 0, withCreates: 0, fileErrors: new Map<string, number>() };
  tally.set(property, t);
  return async (bytes: Uint8Array, points: number[], fileName: string | undefined, options: ImportOptionsInput): Promise<void> => {
    const result = await runPurePipeline(cut(bytes, points), fileName, options, ORG, STORED);
    checkResult(result);
    t.inputs++;
    if (result.kind === 'file-error') t.fileErrors.set(result.error.code, (t.fileErrors.get(result.error.code) ?? 0) + 1);
    else {
      t.reports++;
      if (result.plan.creates.length > 0) t.withCreates++;
    }
  };
}

/** At least `share` of the inputs got as far as a plan (and some created departments). */
function expectReach(property: string, share: number): void {
  const t = tally.get(property)!;
  console.log(`${property}: ${t.inputs} inputs, ${t.reports} reports (${t.withCreates} creating departments), file errors: ${[...t.fileErrors].sort().map(([c, n]) => `${c} ${n}`).join(', ')}`);
  expect(t.reports / t.inputs).toBeGreaterThanOrEqual(share);
  if (share > 0) expect(t.withCreates).toBeGreaterThan(0);
}

const common = {
  points: fc.array(fc.nat({ max: 4096 }), { maxLength: 4 }),
  fileName: fc.constantFrom(...FILE_NAMES),
  // Mostly the default (flat) shape, which most files use; the others now and then.
  options: fc.oneof({ weight: 4, arbitrary: fc.constant<ImportOptionsInput>({}) }, { weight: 6, arbitrary: fc.constantFrom(...OPTIONS) }),
};

// ---------------------------------------------------------------- text generators

const CSV_HEADERS = [
  'name', 'code', 'parentCode', 'parentDepartmentId', 'departmentIdType', 'openDepartmentId', 'id', 'status', 'isVirtualNode',
  'i18n', 'customData', 'leaderUserIds', 'organizationCode', 'description', 'path', 'l1', 'l2', 'member', '__proto__',
  'constructor', 'Name', ' name ', '', 'error_code', '=cmd',
];
const CSV_CELLS = [
  '', 'A', 'B', 'C', 'ou_a', 'root', 'null', 'NULL', 'Sales', 'sales', 'Sales ', 'Sales\u00a0', 'Cafe\u0301', 'Café', '😀', '中文',
  '"', '""', '"a,b"', '"a""b"', 'a"b', ',', ';', '\t', '\n', '\r\n', '\r', 'true', 'maybe', 'inactive', '{', '{"a":1}',
  '{"__proto__":{"x":1}}', '[1,2]', '["u1","u2"]', '=1+1', "'=1+1", '@SUM(A1)', '-1', '\u0000', '\u0007', '\uFEFF',
  'A > B', 'A > B > C', ' > ', 'x'.repeat(300), 'dept_stored_root', 'open_department_id', 'code', '0', '1',
];
/** A cell as a spreadsheet writes it (quoted when needed), or raw (maybe breaking the syntax). */
const csvCell = (delimiter: string) =>
  fc.tuple(fc.constantFrom(...CSV_CELLS), fc.nat(9)).map(([v, mode]) => {
    if (mode === 0) return v; // raw
    if (mode >= 7) return ['Sales', 'Support', 'A', 'B', 'C', 'Ops'][mode - 4]!; // plain, valid names and keys
    return /["\r\n]/.test(v) || v.includes(delimiter) || mode === 1 ? `"${v.replaceAll('"', '""')}"` : v;
  });
const csvText = fc
  .record({
    // Mostly a header that can describe departments (name, code, ...), sometimes anything.
    header: fc.oneof(
      { weight: 3, arbitrary: fc.uniqueArray(fc.constantFrom('code', 'parentCode', 'description', 'status', 'openDepartmentId', 'parentDepartmentId', 'customData'), { maxLength: 3 }).map((h) => ['name', ...h]) },
      { weight: 2, arbitrary: fc.uniqueArray(fc.constantFrom(...CSV_HEADERS), { minLength: 1, maxLength: 6 }) },
    ),
    delimiter: fc.constantFrom(',', ';', '\t'),
    eol: fc.constantFrom('\n', '\r\n', '\r'),
    bom: fc.boolean(),
    rowCount: fc.nat(8),
    seed: fc.infiniteStream(fc.nat(999)),
  })
  .chain(({ header, delimiter, eol, bom, rowCount }) =>
    fc
      .array(
        // Usually as many cells as the header has, sometimes one more or one less.
        fc.oneof({ weight: 9, arbitrary: fc.constant(header.length) }, { weight: 1, arbitrary: fc.integer({ min: Math.max(0, header.length - 1), max: header.length + 1 }) }).chain((n) =>
          fc.array(csvCell(delimiter), { minLength: n, maxLength: n }),
        ),
        { minLength: rowCount, maxLength: rowCount },
      )
      .map((rows) => (bom ? '\uFEFF' : '') + [header, ...rows].map((r) => r.join(delimiter)).join(eol)),
  );

const YAML_TOKENS = [
  '- ', 'name: ', 'code: ', 'parentCode: ', 'parent_id: ', 'children:', 'departments:', 'organization: ', 'customData: ', 'status: ',
  '\n', '\n  ', '\n    ', '\n- ', '  ', '&a ', '*a', '&b ', '*b', '[', ']', '{', '}', ', ', ': ', '"', "'", '# c', '|', '>', '---',
  '...', '!!str ', '!!binary ', '!!js/function ', '~', 'null', '00123', 'NO', '1E3', '12:30', '__proto__: ', '<<: ', '%YAML 1.2\n',
  '? ', '\t', 'Sales', 'A', 'B', 'acme', 'other', '😀', '\\', 'x'.repeat(300),
];
const yamlText = fc.array(fc.constantFrom(...YAML_TOKENS), { maxLength: 40 }).map((t) => t.join(''));

const JSON_TOKENS = [
  '[', ']', '{', '}', '"name"', '"code"', '"parentCode"', '"children"', '"departments"', '"organization"', '"customData"', ':', ',',
  '"A"', '"B"', '"Sales"', '1', '1e999', '-0', '12345678901234567890', 'true', 'null', '"\\u0000"', '"\\ud800"', '"__proto__"',
  '"constructor"', ' ', '\n', '"', '\\', '"x"',
];
const jsonTokens = fc.array(fc.constantFrom(...JSON_TOKENS), { maxLength: 40 }).map((t) => t.join(''));

// (`children` comes from the nesting below; a junk `children` value makes the whole document invalid, which the token soups try.)
const DEPT_KEYS = ['name', 'name', 'code', 'parentCode', 'parent_id', 'openDepartmentId', 'customData', 'status', '__proto__', 'id', 'isVirtualNode'];
const deptValue = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('A', 'B', 'C', 'Sales', 'Sales ', 'root', 'ou_a', 'dept_stored_root', '00123', '=1+1', '😀', 'x'.repeat(300), '') },
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.constantFrom(Number('12345678901234567890'), 1e308, -0, true, null) },
);
/** Well-formed JSON documents of department-like objects (nested children too), sometimes cut short. */
const departmentObject: fc.Memo<Record<string, unknown>> = fc.memo((n) =>
  fc
    .tuple(fc.dictionary(fc.constantFrom(...DEPT_KEYS), deptValue, { maxKeys: 5 }), n > 1 ? fc.array(departmentObject(n - 1), { maxLength: 2 }) : fc.constant([]))
    .map(([d, children]) => (children.length > 0 ? { ...d, children } : d)),
);
const documentText = fc
  .record({
    departments: fc.array(departmentObject(3), { maxLength: 6 }),
    wrap: fc.constantFrom('list', 'object', 'ndjson', 'yaml'),
    // Usually the extension that fits, sometimes none (sniffed) or a wrong one.
    naming: fc.constantFrom('fit', 'fit', 'fit', 'none', 'wrong'),
    cutAt: fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.nat() }),
  })
  .map(({ departments, wrap, naming, cutAt }) => {
    const text =
      wrap === 'yaml'
        ? YAML.stringify(departments)
        : wrap === 'list'
          ? JSON.stringify(departments, null, 1)
          : wrap === 'object'
            ? JSON.stringify({ organization: 'acme', departments }, null, 1)
            : departments.map((d) => JSON.stringify(d)).join('\n');
    const fit = wrap === 'yaml' ? 'in.yaml' : wrap === 'ndjson' ? 'in.ndjson' : 'in.json';
    const fileName = naming === 'fit' ? fit : naming === 'none' ? undefined : fit === 'in.json' ? 'in.yaml' : 'in.json';
    return { text: cutAt === undefined ? text : text.slice(0, cutAt % (text.length + 1)), fileName };
  });

const checks = {
  prefixed: checker('prefixed bytes'),
  csv: checker('csv'),
  yaml: checker('yaml'),
  jsonTokens: checker('json tokens'),
  jsonDocuments: checker('json documents'),
};

describe('fuzzing the pipeline: a report or a FileError, never another exception', () => {
  it('random bytes', async () => {
    await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 2048 }), common.points, common.fileName, common.options, checker('bytes')), {
      numRuns: RUNS,
    });
    expectReach('bytes', 0);
  });

  it('random bytes around a valid header (binary tails, stray UTF-8 and UTF-16 BOMs)', async () => {
    const prefix = fc.constantFrom('', 'name,code,parentCode\n', '\uFEFFname;code\r\n', '- name: A\n', '[{"name":"A"}', '\xff\xfe', '\xfe\xff');
    await fc.assert(
      fc.asyncProperty(prefix, fc.uint8Array({ maxLength: 512 }), common.points, common.fileName, common.options, (p, tail, points, fileName, options) => {
        const check = checks.prefixed;
        const head = p.startsWith('\xff') || p.startsWith('\xfe') ? Uint8Array.from([...p].map((c) => c.charCodeAt(0))) : encoder.encode(p);
        const bytes = new Uint8Array(head.length + tail.length);
        bytes.set(head);
        bytes.set(tail, head.length);
        return check(bytes, points, fileName, options);
      }),
      { numRuns: RUNS },
    );
    expectReach('prefixed bytes', 0);
  });

  it('CSV-ish text: quotes, delimiters, line breaks, BOMs, formulas, odd headers', async () => {
    await fc.assert(
      fc.asyncProperty(csvText, common.points, fc.constantFrom('in.csv', 'in.txt', undefined), common.options, (text, points, fileName, options) =>
        checks.csv(encoder.encode(text), points, fileName, options),
      ),
      { numRuns: RUNS },
    );
    expectReach('csv', 0.2);
  });

  it('YAML-ish text: anchors, aliases, tags, flow and block nesting, odd keys', async () => {
    await fc.assert(
      fc.asyncProperty(yamlText, common.points, fc.constantFrom('in.yaml', undefined), common.options, (text, points, fileName, options) =>
        checks.yaml(encoder.encode(text), points, fileName, options),
      ),
      { numRuns: RUNS },
    );
    expectReach('yaml', 0);
  });

  it('JSON-ish token soup', async () => {
    await fc.assert(
      fc.asyncProperty(jsonTokens, common.points, fc.constantFrom('in.json', 'in.ndjson', undefined), common.options, (text, points, fileName, options) =>
        checks.jsonTokens(encoder.encode(text), points, fileName, options),
      ),
      { numRuns: RUNS },
    );
    expectReach('json tokens', 0);
  });

  it('JSON, NDJSON and YAML documents of department-like objects with arbitrary values, whole or cut short', async () => {
    await fc.assert(
      fc.asyncProperty(documentText, common.points, common.options, ({ text, fileName }, points, options) =>
        checks.jsonDocuments(encoder.encode(text), points, fileName, options),
      ),
      { numRuns: RUNS },
    );
    expectReach('json documents', 0.1);
  });
});
