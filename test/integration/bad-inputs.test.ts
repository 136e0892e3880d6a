/**
 * The bad input corpus: every file of fixtures/bad/ is imported into MariaDB
 * and must end exactly as fixtures/bad/expected.json says: the exit code, the
 * file-level error code (and line) or every row error with its row number, and
 * the database holding exactly what it held before (file errors, usage errors)
 * or exactly that plus the valid rows (row errors). The error report written
 * with --report must list the failed rows and be formula-safe.
 *
 * Cases marked `via: ["cli"]` run the real CLI in a child process (exit codes,
 * --json, --report as a user sees them); the others run the same code
 * in-process (the CLI's option parsing, runImport, the report writer), which
 * keeps the whole corpus well under a minute.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredDepartment } from '../../src/core/model.js';
import { openTestDatabase, type TestDb } from '../support/db.js';
import {
  BAD_DIR,
  type BadCase,
  type CaseOutcome,
  MANIFEST_NAME,
  type StoredSpec,
  caseOrg,
  expectedRows,
  generators,
  loadManifest,
  runCase,
  runCaseInProcess,
} from '../support/badInputs.js';
import { cliEnv } from '../support/cli.js';
import { departmentsOf, importText } from '../support/importHarness.js';

const manifest = loadManifest();
const work = mkdtempSync(join(tmpdir(), 'orgsync-bad-'));

/** A cell a spreadsheet would run as a formula (the report must never contain one). */
const FORMULA_START = /^[^\S\t\r]*[=+\-@\t\r\0\uFF1D\uFF0B\uFF0D\uFF20]/;

type Row = Record<string, unknown>;
interface Snapshot {
  departments: Row[];
  organizations: Row[];
  /** Every other table, except the run history and the migration bookkeeping. */
  others: Record<string, Row[]>;
  runs: { id: string; organization_code: string; status: string; error_code: string | null }[];
  /** The change history: one row per department change, checked against the departments written. */
  history: { id: number; department_id: string; action: string }[];
}

/**
 * Tables an import may write to even when it writes no department: the history
 * of runs, and import_locks, where an import of an organization creates the row
 * its lock is taken on (adapters/db/organizationRowLock.ts) once, before its
 * transaction, even when the file is then refused.
 */
const RUN_HISTORY = new Set(['import_runs', 'import_row_results', 'orgsync_migrations', 'orgsync_migrations_lock', 'import_locks']);

async function snapshot(db: TestDb): Promise<Snapshot> {
  const [tableRows] = (await db.knex.raw('SHOW TABLES')) as [Record<string, string>[]];
  const tables = tableRows
    .map((r) => Object.values(r)[0]!)
    .filter((t) => !RUN_HISTORY.has(t) && t !== 'departments' && t !== 'organizations' && t !== 'department_history');
  const others: Record<string, Row[]> = {};
  for (const t of tables.sort()) {
    const rows = (await db.knex(t).select('*')) as Row[];
    others[t] = rows.map((r) => ({ ...r })).sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
  }
  return {
    departments: (await db.knex('departments').select('*').orderBy('id')) as Row[],
    organizations: (await db.knex('organizations').select('*').orderBy('id')) as Row[],
    others,
    runs: (await db.knex('import_runs').select('id', 'organization_code', 'status', 'error_code').orderBy('id')) as Snapshot['runs'],
    history: (await db.knex('department_history').select('id', 'department_id', 'action').orderBy('id')) as Snapshot['history'],
  };
}

/** JSON with sorted keys (own keys only, so a `__proto__` key is compared as data). */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'undefined';
}

const sortKey = (d: { code?: string | null; name?: string }): string => `${d.code ?? ''}\u0000${d.name ?? ''}`;
const byKey = <T extends { code?: string | null; name?: string }>(a: T, b: T): number => (sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0);

/** The organization's departments projected onto the keys each spec gives, both sides canonical. */
function compareStored(all: StoredDepartment[], spec: StoredSpec[]): { actual: Row[]; expected: Row[] } {
  const byId = new Map(all.map((d) => [d.id, d]));
  const actual = all
    .map((d) => ({
      code: d.code,
      name: d.name,
      nameLength: [...d.name].length,
      nameBytes: Buffer.byteLength(d.name),
      parent: d.parentId === null ? null : (byId.get(d.parentId)?.code ?? `? ${d.parentId}`),
      description: d.description,
      openDepartmentId: d.openDepartmentId,
      location: d.location,
      customData: d.customData,
      isActive: d.isActive,
    }))
    .sort(byKey);
  const expected = [...spec].sort(byKey);
  if (actual.length !== expected.length) {
    return { actual: actual.map((d) => ({ code: d.code, name: d.name.slice(0, 80) })), expected: expected.map((d) => ({ code: d.code, name: d.name })) };
  }
  return {
    actual: actual.map((d, i) => Object.fromEntries(Object.keys(expected[i]!).map((k) => [k, canonical(d[k as keyof typeof d])]))),
    expected: expected.map((s) => Object.fromEntries(Object.entries(s).map(([k, v]) => [k, canonical(v)]))),
  };
}

/** `{{id:ORG:CODE}}` → the stored id of that department. */
async function fillTemplate(db: TestDb, text: string): Promise<string> {
  let out = text;
  for (const m of text.matchAll(/\{\{id:([^:}]+):([^}]+)\}\}/g)) {
    const row = (await db
      .knex('departments as d')
      .join('organizations as o', 'o.id', 'd.organization_id')
      .where('o.code', m[1]!)
      .andWhere('d.code', m[2]!)
      .first('d.id')) as { id: string } | undefined;
    if (!row) throw new Error(`template: no department ${m[2]} in ${m[1]}`);
    out = out.replace(m[0], row.id);
  }
  return out;
}

function prototypeState(): string {
  const probe = {} as Record<string, unknown>;
  return JSON.stringify([Object.getOwnPropertyNames(Object.prototype).sort(), probe.polluted, probe.isAdmin, probe.prototype]);
}

/** The --report CSV: one line per failed row with its codes, and no cell a spreadsheet would evaluate. */
function checkReport(name: string, c: BadCase, reportPath: string): void {
  const text = readFileSync(reportPath, 'utf8');
  // The CLI's CSV report keeps the input's byte order mark and delimiter (issue 14, test/unit/xlsx-report.test.ts); the others are UTF-8 with BOM and commas.
  if (!name.endsWith('via cli')) expect(text.charCodeAt(0), `${name}: report BOM`).toBe(0xfeff);
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const records = parse(body, { delimiter: /^"[^"]*"([,;\t])/.exec(body)?.[1] ?? ',' }) as string[][];
  const header = records[0]!;
  const offenders = records.flatMap((r, i) => r.filter((cell) => FORMULA_START.test(cell)).map((cell) => `line ${i + 1}: ${JSON.stringify(cell.slice(0, 60))}`));
  expect(offenders, `${name}: formula cells in the report`).toEqual([]);
  const col = (column: string): number => {
    const i = header.indexOf(column);
    expect(i, `${name}: report column ${column} in ${JSON.stringify(header)}`).toBeGreaterThanOrEqual(0);
    return i;
  };
  const rowCol = col('error_row');
  const codeCol = col('error_code');
  const got = records.slice(1).map((r) => [Number(r[rowCol]), r[codeCol]!.split(' | ').sort().join(' | ')]);
  const wanted = new Map<number, string[]>();
  for (const [row, code] of expectedRows(c)) wanted.set(row, [...(wanted.get(row) ?? []), code]);
  expect(got, `${name}: report rows`).toEqual([...wanted].map(([row, codes]) => [row, codes.sort().join(' | ')]));
  for (const cell of c.report ?? []) {
    const record = records.slice(1).find((r) => Number(r[rowCol]) === cell.row);
    expect(record?.[col(cell.column)], `${name}: report row ${cell.row} ${cell.column}`).toBe(cell.value);
  }
}

describe('bad input corpus (fixtures/bad) through the CLI on MariaDB', () => {
  let db: TestDb;
  let env: Record<string, string>;
  const figures = { cases: 0, cli: 0, inProcess: 0, notes: [] as string[] };

  beforeAll(async () => {
    db = await openTestDatabase('mysql', 'bad_inputs', 30);
    env = cliEnv(db);
  });
  afterAll(async () => {
    await db?.drop();
    rmSync(work, { recursive: true, force: true });
    const todo = process.env.BAD_INPUTS_RUN_TODO ? 0 : Object.values(manifest).filter((c) => c.todo !== undefined).length;
    console.log(`bad input corpus: ${Object.keys(manifest).length} files, ${figures.cases} runs (${figures.cli} CLI, ${figures.inProcess} in-process), ${todo} todo`);
    for (const note of figures.notes) console.log(`  ${note}`);
  });

  it('has one manifest entry per committed file, a generator for the others, at least 40 in all', () => {
    const committed = readdirSync(BAD_DIR).filter((f) => f !== MANIFEST_NAME && f !== 'README.md');
    const entries = Object.entries(manifest);
    expect(committed.sort()).toEqual(entries.filter(([, c]) => !c.generator).map(([n]) => n).sort());
    for (const [name, c] of entries) if (c.generator) expect(generators[c.generator], name).toBeTypeOf('function');
    expect(entries.length).toBeGreaterThanOrEqual(40);
    // Committed fixtures stay small; big inputs are generated.
    for (const f of committed) expect(statSync(join(BAD_DIR, f)).size, f).toBeLessThan(16 * 1024);
  });

  for (const [name, c] of Object.entries(manifest)) {
    if (c.todo !== undefined && !process.env.BAD_INPUTS_RUN_TODO) {
      // A known bug: the expectation in the manifest is what should happen (see `todo`).
      // BAD_INPUTS_RUN_TODO=1 runs these too, to see them fail (or pass once fixed).
      it.todo(`${name}: ${c.todo}`);
      continue;
    }
    const title = `${name} -> exit ${c.exitCode}${c.fileError ? ` ${c.fileError}` : ''}${c.rows ? ` (${expectedRows(c).length} row errors)` : ''}`;
    it(title, async () => {
      const org = caseOrg(name);
      for (const s of c.seed ?? []) {
        const seeded = await importText(db, s.text, { org: s.org ?? org, name: 'seed.csv' });
        expect(seeded.fileError).toBeUndefined();
        expect(seeded.errors).toEqual([]);
      }
      let file = join(BAD_DIR, name);
      if (c.generator) {
        file = join(work, name);
        await generators[c.generator]!(file);
      }
      if (c.template) {
        const filled = await fillTemplate(db, readFileSync(file, 'utf8'));
        file = join(work, name);
        writeFileSync(file, filled);
      }

      try {
        for (const via of c.via ?? ['in-process']) {
          const before = await snapshot(db);
          const orgExisted = before.organizations.some((o) => o.code === org);
          const reportPath = join(work, `${org}.${via}.errors.csv`);
          const proto = prototypeState();
          const out: CaseOutcome =
            via === 'cli' ? await runCase(file, org, c.args ?? [], reportPath, env) : await runCaseInProcess(db, file, org, c.args ?? [], reportPath);
          figures.cases++;
          if (via === 'cli') figures.cli++;
          else figures.inProcess++;
          expect(prototypeState(), `${name}: Object.prototype changed`).toBe(proto);

          // The outcome: exit code, file error (and its line), every row error.
          expect({
            exitCode: out.exitCode,
            fileError: out.fileError?.code ?? null,
            ...(c.line === undefined ? {} : { line: out.fileError?.line ?? null }),
            rows: out.errors,
          }).toEqual({
            exitCode: c.exitCode,
            fileError: c.fileError ?? null,
            ...(c.line === undefined ? {} : { line: c.line }),
            rows: expectedRows(c),
          });
          if (via === 'cli') {
            expect(out.stderr, `${name}: a stack trace on stderr`).not.toMatch(/\n\s+at .+:\d+:\d+/);
            if (c.exitCode === 2) expect(out.stderr).toMatch(/^orgsync: /);
            if (c.maxSeconds !== undefined) {
              figures.notes.push(`${name}: the CLI refused it in ${out.seconds.toFixed(1)} s`);
              expect(out.seconds, `${name}: CLI seconds`).toBeLessThan(c.maxSeconds);
            }
          }
          if (c.maxBytesRead !== undefined && via === 'in-process') {
            const size = statSync(file).size;
            figures.notes.push(`${name}: read ${(out.bytesRead! / 2 ** 20).toFixed(2)} MiB of ${(size / 2 ** 20).toFixed(0)} MiB`);
            expect(size).toBeGreaterThan(10 * c.maxBytesRead);
            expect(out.bytesRead, `${name}: bytes read before refusing`).toBeLessThanOrEqual(c.maxBytesRead);
          }

          // The run history: one run per import (none for a usage error).
          const after = await snapshot(db);
          const beforeRuns = new Set(before.runs.map((r) => r.id));
          const newRuns = after.runs.filter((r) => !beforeRuns.has(r.id)).map((r) => [r.organization_code, r.status, r.error_code ?? null]);
          const status = { 0: 'completed', 1: 'failed', 2: undefined, 3: 'completed_with_errors' }[c.exitCode];
          expect(newRuns, `${name}: new import_runs`).toEqual(status === undefined ? [] : [[org, status, c.fileError ?? null]]);

          // No other table (members, staging, tokens, ...) changes in any case of the corpus.
          expect(after.others, `${name}: other tables`).toEqual(before.others);
          if (c.exitCode === 1 || c.exitCode === 2) {
            // Nothing written: departments and organizations exactly as before.
            expect(after.organizations, `${name}: organizations`).toEqual(before.organizations);
            expect(after.departments, `${name}: departments`).toEqual(before.departments);
            expect(after.history, `${name}: department history`).toEqual(before.history);
            continue;
          }

          // Written: every department that existed is untouched, and the new ones are exactly the valid rows.
          const afterById = new Map(after.departments.map((d) => [d.id as string, d]));
          for (const d of before.departments) expect(afterById.get(d.id as string), `${name}: department ${String(d.id)} changed`).toEqual(d);
          const beforeOrgs = new Set(before.organizations.map((o) => o.id as string));
          const afterOrgsById = new Map(after.organizations.map((o) => [o.id as string, o]));
          for (const o of before.organizations) expect(afterOrgsById.get(o.id as string)).toEqual(o);
          expect(after.organizations.filter((o) => !beforeOrgs.has(o.id as string)).map((o) => o.code)).toEqual(orgExisted ? [] : [org]);
          const orgId = after.organizations.find((o) => o.code === org)!.id;
          const beforeIds = new Set(before.departments.map((d) => d.id as string));
          const created = after.departments.filter((d) => !beforeIds.has(d.id as string));
          expect(created.filter((d) => d.organization_id !== orgId), `${name}: departments created in another organization`).toEqual([]);
          const stored = await departmentsOf(db, org);
          const existedInOrg = before.departments.filter((d) => d.organization_id === orgId).length;
          expect(created.length, `${name}: created`).toBe(c.created ?? c.stored!.length - existedInOrg);
          // The history records exactly the departments the run created (the corpus never updates one).
          const beforeHistory = new Set(before.history.map((h) => h.id));
          // An import's creates are one row (department_id ''), which its departments point at (created_history_id, migration 0015).
          const newHistory = after.history
            .filter((h) => !beforeHistory.has(h.id))
            .flatMap((h) =>
              h.department_id === ''
                ? after.departments.filter((d) => Number(d.created_history_id) === Number(h.id)).map((d) => `${h.action} ${String(d.id)}`)
                : [`${h.action} ${h.department_id}`],
            )
            .sort();
          expect(newHistory, `${name}: department history`).toEqual(created.map((d) => `created ${String(d.id)}`).sort());
          const { actual, expected } = compareStored(stored, c.stored!);
          expect(actual, `${name}: stored departments`).toEqual(expected);
          // The error report lists exactly the failed rows (none for exit 0).
          checkReport(`${name} via ${via}`, c, reportPath);
        }
      } finally {
        if (c.generator || c.template) rmSync(file, { force: true });
      }
    }, 120_000);
  }
});
