/**
 * Properties of whole imports against the real databases (in-process, the
 * same runImport the CLI uses):
 *
 * 1. Any valid tree, in any row order, in any input format, split into any
 *    number of imports in any way: importing the parts one after another (and
 *    re-importing the rows that failed only because their parent was not
 *    there yet, as a person fixing the error report would) stores exactly
 *    that tree, each department once.
 * 2. Any sequence of upserts and syncs of one organization (random subsets,
 *    random renames, moves and status changes, a generous --max-deactivate)
 *    leaves the database equal to a simple model: code -> { name, parent, active },
 *    which implements the activity rule on its own (test/support/importModel.ts)
 *    and predicts the rows it refuses (PARENT_INACTIVE) and skips (PARENT_FAILED).
 */
import { stringify } from 'csv-stringify/sync';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorReportCsv } from '../../src/core/report/errorCsv.js';
import { dialects, openTestDatabase, type TestDb } from '../support/db.js';
import { departmentsOf, importText } from '../support/importHarness.js';
import { activeUnderInactive, importIntoModel, type Model, type ModelDept, type ModelImport, type ModelRow } from '../support/importModel.js';

const RUNS = Number(process.env.FUZZ_DB_RUNS ?? 30);
/** Replays a failure: FUZZ_DB_SEED=<the seed fast-check printed>. */
const SEED = process.env.FUZZ_DB_SEED === undefined ? {} : { seed: Number(process.env.FUZZ_DB_SEED) };

type Format = 'csv' | 'json' | 'yaml';
type Row = Record<string, string | null>;

const NULL_WORDS = new Set(['null', 'Null', 'NULL', '~']);

/** A YAML scalar: plain when it is safe to write as is (it must then stay exactly that text), else double-quoted. */
function yamlScalar(v: string | null): string {
  if (v === null) return 'null';
  return /^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(v) && !NULL_WORDS.has(v) ? v : JSON.stringify(v);
}

/** The same rows as a file in the given format. */
function render(rows: Row[], format: Format, columns: string[]): { text: string; name: string } {
  if (format === 'csv') {
    return { text: stringify([columns, ...rows.map((r) => columns.map((c) => r[c] ?? ''))]), name: 'part.csv' };
  }
  if (format === 'json') return { text: JSON.stringify(rows, null, 1), name: 'part.json' };
  const text = rows.map((r) => Object.entries(r).map(([k, v], i) => `${i === 0 ? '- ' : '  '}${k}: ${yamlScalar(v)}`).join('\n')).join('\n');
  return { text: `${text}\n`, name: 'part.yaml' };
}

// ---------------------------------------------------------------- 1. any split

/** Names with characters every format has to carry: quotes, commas, YAML indicators, CJK, emoji, a combining accent. */
const NAME_SUFFIXES = ['', ' Ä', ' 😀', ', "quoted"', ' # hash', ': colon', ' - dash', " 'single'", ' [x] {y}', ' &anchor *alias', ' | pipe > gt', ' 中文', ' Cafe\u0301', ' 1E3', ' 12:30'];
const CODE_PREFIXES = ['C', '00', 'NO', '1E', 'x-'];

const splitCase = fc.integer({ min: 1, max: 30 }).chain((n) =>
  fc.record({
    parents: fc.tuple(...Array.from({ length: n }, (_, i) => fc.integer({ min: -1, max: i - 1 }))),
    suffixes: fc.array(fc.constantFrom(...NAME_SUFFIXES), { minLength: n, maxLength: n }),
    codePrefix: fc.constantFrom(...CODE_PREFIXES),
    byOpenId: fc.boolean(),
    /** The import each department first appears in, and its place in that file. */
    part: fc.array(fc.nat(3), { minLength: n, maxLength: n }),
    order: fc.array(fc.nat(), { minLength: n, maxLength: n }),
    formats: fc.array(fc.constantFrom<Format>('csv', 'json', 'yaml'), { minLength: 12, maxLength: 12 }),
    /** Rows that failed go into the next part's file, or are fixed up by importing the run's error report at the end. */
    retry: fc.constantFrom('next-part', 'error-report'),
  }),
);
type SplitCase = typeof splitCase extends fc.Arbitrary<infer T> ? T : never;

function splitRow(c: SplitCase, i: number): Row {
  const p = c.parents[i]!;
  const row: Row = { name: `Dept ${i}${c.suffixes[i]}`, code: `${c.codePrefix}${i}` };
  if (c.byOpenId) {
    row.openDepartmentId = `ou_${i}`;
    row.parentDepartmentId = p < 0 ? 'root' : `ou_${p}`;
    row.departmentIdType = 'open_department_id';
  } else row.parentCode = p < 0 ? null : `${c.codePrefix}${p}`;
  return row;
}

function expectedTree(c: SplitCase): string[] {
  return c.parents.map((p, i) => `${c.codePrefix}${i} | ${`Dept ${i}${c.suffixes[i]}`.normalize('NFC')} | parent ${p < 0 ? '-' : `${c.codePrefix}${p}`} | active`).sort();
}

async function storedTree(db: TestDb, org: string): Promise<string[]> {
  const all = await departmentsOf(db, org);
  const byId = new Map(all.map((d) => [d.id, d]));
  return all.map((d) => `${d.code} | ${d.name} | parent ${d.parentId === null ? '-' : (byId.get(d.parentId)?.code ?? '?')} | ${d.isActive ? 'active' : 'inactive'}`).sort();
}

// ---------------------------------------------------------------- 2. model of upserts and syncs

const U = 9;
const op = fc.record({
  kind: fc.constantFrom('upsert', 'sync'),
  include: fc.array(fc.boolean(), { minLength: U, maxLength: U }),
  version: fc.array(fc.nat(2), { minLength: U, maxLength: U }),
  parentChoice: fc.array(fc.nat(20), { minLength: U, maxLength: U }),
  withStatus: fc.boolean(),
  /** Without a parent column, stored departments keep their parent and new ones are top level. */
  withParent: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  active: fc.array(fc.boolean(), { minLength: U, maxLength: U }),
  order: fc.array(fc.nat(), { minLength: U, maxLength: U }),
  format: fc.constantFrom<Format>('csv', 'json', 'yaml'),
});
type Op = typeof op extends fc.Arbitrary<infer T> ? T : never;

/** The file an operation imports, and what the model says the import does (test/support/importModel.ts). */
function applyOp(model: Model, o: Op): { rows: Row[]; columns: string[]; expected: ModelImport } {
  const subset = Array.from({ length: U }, (_, i) => i).filter((i) => o.include[i]);
  const inFile = new Set(subset.map((i) => `K${i}`));
  const modelRows: ModelRow[] = [];
  // Parents come from earlier codes that are stored or in the file: the result is always a tree.
  for (const i of subset) {
    const candidates = Array.from({ length: i }, (_, j) => `K${j}`).filter((k) => model.has(k) || inFile.has(k));
    const choice = o.parentChoice[i]! % (candidates.length + 1);
    const parentCode = choice === candidates.length ? null : candidates[choice]!;
    modelRows.push({ code: `K${i}`, name: `Dept K${i} v${o.version[i]}`, parentCode, active: o.withStatus ? o.active[i]! : undefined });
  }
  const expected = importIntoModel(model, modelRows, { withParent: o.withParent, sync: o.kind === 'sync' });
  const rows = modelRows.map((m) => {
    const row: Row = { name: m.name, code: m.code };
    if (o.withParent) row.parentCode = m.parentCode;
    if (m.active !== undefined) row.status = m.active ? 'active' : 'inactive';
    return row;
  });
  const order = new Map(subset.map((i) => [`K${i}`, o.order[i]!]));
  rows.sort((a, b) => order.get(a.code!)! - order.get(b.code!)!);
  return { rows, columns: ['name', 'code', ...(o.withParent ? ['parentCode'] : []), ...(o.withStatus ? ['status'] : [])], expected };
}

async function storedModel(db: TestDb, org: string): Promise<Record<string, ModelDept>> {
  const all = await departmentsOf(db, org);
  const byId = new Map(all.map((d) => [d.id, d]));
  return Object.fromEntries(
    all.map((d) => [d.code!, { name: d.name, parent: d.parentId === null ? null : (byId.get(d.parentId)?.code ?? '?'), active: d.isActive }]),
  );
}

describe.each(dialects)('import properties on %s', (dialect) => {
  let db: TestDb;
  let seq = 0;
  const figures = { trees: 0, imports: 0, carried: 0, retries: 0, sequences: 0, operations: 0, deactivated: 0, refused: 0 };
  beforeAll(async () => {
    db = await openTestDatabase(dialect, 'fuzz_import');
  });
  afterAll(async () => {
    await db?.drop();
    console.log(
      `${dialect}: ${figures.trees} trees in ${figures.imports} imports (${figures.carried} failed rows carried to a later import, ${figures.retries} error reports re-imported); ` +
        `${figures.sequences} sequences of ${figures.operations} upserts/syncs (${figures.deactivated} deactivations, ${figures.refused} rows refused or skipped by the activity rule)`,
    );
  });

  it('any tree, in any order, format and split into several imports, is stored exactly, each department once', async () => {
    await fc.assert(
      fc.asyncProperty(splitCase, async (c) => {
        const org = `split${++seq}`;
        const n = c.parents.length;
        let formatIdx = 0;
        const reports: string[] = [];
        const importText_ = async (text: string, name: string): Promise<number[]> => {
          const report = await importText(db, text, { org, name });
          figures.imports++;
          expect(report.fileError).toBeUndefined();
          // Only "the parent is not there yet" may fail; those rows come back later.
          expect(report.errors.filter((e) => e.code !== 'PARENT_NOT_FOUND' && e.code !== 'PARENT_FAILED')).toEqual([]);
          const failed = report.rowResults.filter((r) => r.action === 'failed' || r.action === 'skipped');
          if (failed.length > 0 && c.retry === 'error-report') {
            // What `--report errors.csv` writes; the person imports it as it is.
            reports.push(errorReportCsv({ columns: report.columns, rows: failed.map((r) => ({ row: r.row, raw: report.failedRaw.get(r.row) ?? {}, errors: r.errors })) }));
          }
          const keys = new Set(failed.map((r) => r.key));
          const carried = Array.from({ length: n }, (_, i) => i).filter((i) => keys.has(`${c.codePrefix}${i}`));
          figures.carried += carried.length;
          return carried;
        };
        const sorted = (indices: number[]) => [...indices].sort((a, b) => c.order[a]! - c.order[b]! || a - b);
        let pending: number[] = [];
        for (let part = 0; part < 4; part++) {
          const indices = sorted([...pending, ...Array.from({ length: n }, (_, i) => i).filter((i) => c.part[i] === part)]);
          if (indices.length === 0) continue;
          const rows = indices.map((i) => splitRow(c, i));
          const { text, name } = render(rows, c.formats[formatIdx++ % c.formats.length]!, Object.keys(rows[0]!));
          const failed = await importText_(text, name);
          pending = c.retry === 'next-part' ? failed : [];
        }
        // The fix-and-reimport loop: import each error report; its failures make a new one.
        for (let round = 0; reports.length > 0; round++) {
          expect(round).toBeLessThan(4 * n);
          await importText_(reports.shift()!, 'errors.csv');
          figures.retries++;
        }
        expect(pending).toEqual([]);
        expect(await storedTree(db, org)).toEqual(expectedTree(c));
        figures.trees++;
      }),
      { numRuns: RUNS, ...SEED },
    );
  });

  it('any sequence of upserts and syncs leaves exactly the state of a simple model', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 6 }), async (ops) => {
        const org = `model${++seq}`;
        let model: Model = new Map();
        for (const o of ops) {
          const { rows, columns, expected } = applyOp(model, o);
          model = expected.after;
          // An empty YAML/JSON list is EMPTY_FILE; an empty CSV (header only) is a valid import of nothing.
          const format = rows.length === 0 ? 'csv' : o.format;
          const { text, name } = render(rows, format, columns);
          const report = await importText(db, text, { org, name, mode: o.kind, maxDeactivate: '100%' });
          figures.operations++;
          figures.deactivated += report.counts.deactivated;
          expect(report.fileError).toBeUndefined();
          // Only the activity rule refuses rows here (and skips the rows under a refused one).
          expect(report.errors.map((e) => `${e.key} ${e.code}`).sort()).toEqual(expected.errors);
          figures.refused += expected.errors.length;
          const stored = await storedModel(db, org);
          expect(stored).toEqual(Object.fromEntries(model));
          expect(activeUnderInactive(stored)).toEqual([]);
        }
        figures.sequences++;
      }),
      { numRuns: RUNS, ...SEED },
    );
  });
});
