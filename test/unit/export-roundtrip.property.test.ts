/**
 * The export's promise, on random trees without a database: what
 * app/exportDepartments.ts writes (every format, each parent key) goes through
 * the importer's own pure pipeline (read -> shape -> plan) so that
 * - against the same stored departments, every row is unchanged;
 * - against an empty organization, the plan creates the same tree (names,
 *   parents, depths and every field).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type DepartmentExportPort, exportOrganization } from '../../src/app/exportDepartments.js';
import { EXPORT_FORMATS, type ExportFormat } from '../../src/core/export/formats.js';
import type { Organization, StoredDepartment } from '../../src/core/model.js';
import { memoryExportPort } from '../support/memoryExportPort.js';
import { runPurePipeline } from '../support/purePipeline.js';

const ORG: Organization = { id: 'org_1', code: 'acme', name: 'ACME', nameScope: 'organization' };

/** The export's bytes (text formats as UTF-8, xlsx as the workbook). */
export async function exportBytes(port: DepartmentExportPort, format: ExportFormat, activeOnly = false, pageSize?: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of exportOrganization(port, ORG, { format, activeOnly, pageSize }).chunks) parts.push(Buffer.from(chunk));
  return Buffer.concat(parts);
}

// Characters that trouble writers and readers: delimiters, quotes, formula triggers, YAML indicators, non-ASCII.
const TRICKY = [...'ab Z09,;"\'=+-@#:|[]{}&*!%>?ü漢😀\\/'];
const trimmed = (max: number) =>
  fc
    .array(fc.constantFrom(...TRICKY), { minLength: 1, maxLength: max })
    .map((cs) => cs.join('').replace(/\s+/gu, ' ').trim())
    // A value like `'=x` cannot be stored: every import removes the `'` our formula-safe reports add.
    .filter((s) => s !== '' && !/^'\s*[=+\-@]/u.test(s));
const longText = fc.option(
  fc
    .tuple(trimmed(12), fc.constantFrom('', '\nline two', '\r\nthree'))
    .map(([a, b]) => `${a}${b}`)
    .filter((s) => !/^'\s*[=+\-@\t\r]/u.test(s)),
  { nil: null },
);
const ids = fc.option(fc.array(fc.stringMatching(/^[a-z0-9_.]{1,8}$/u), { maxLength: 3 }), { nil: null });
const object = fc.option(
  fc.dictionary(fc.stringMatching(/^[a-z]{1,6}$/u), fc.oneof(fc.integer(), trimmed(6), fc.boolean(), fc.constant(null)), { maxKeys: 3 }),
  { nil: null },
);

const fields = fc.record({
  description: longText,
  location: fc.option(trimmed(10), { nil: null }),
  i18n: object,
  customData: object,
  leaderUserIds: ids,
  postIds: ids,
  isVirtual: fc.boolean(),
  isActive: fc.boolean(),
  color: fc.option(fc.constantFrom('#ff0000', 'blue'), { nil: null }),
  tenantId: fc.option(fc.stringMatching(/^[a-z0-9]{1,6}$/u), { nil: null }),
  code: fc.option(trimmed(8), { nil: null }),
  openDepartmentId: fc.option(fc.stringMatching(/^[a-z0-9_-]{1,8}$/u), { nil: null }),
});

/**
 * A tree: department i's parent is an earlier one (or none); names, codes and
 * openDepartmentIds unique; never an active department under an inactive one
 * (the activity rule every store holds to: core/plan/activeRule.ts, migration 0014).
 */
const trees = fc.array(fc.tuple(fc.nat(), fc.boolean(), trimmed(6), fields), { minLength: 1, maxLength: 25 }).map((specs) => {
  const out: StoredDepartment[] = [];
  specs.forEach(([parentPick, top, name, f], i) => {
    const parent = top || i === 0 ? undefined : out[parentPick % i];
    const id = `dept_${String(i).padStart(4, '0')}`;
    out.push({
      ...f,
      isActive: f.isActive && (parent?.isActive ?? true),
      code: f.code === null ? null : `${f.code}~${i}`,
      openDepartmentId: f.openDepartmentId === null ? null : `${f.openDepartmentId}${i}`,
      name: `${name} ${i}`,
      id,
      organizationId: ORG.id,
      parentId: parent?.id ?? null,
      path: `${parent?.path ?? ''}/${id}`,
      depth: parent === undefined ? 0 : parent.depth + 1,
      memberCount: 0,
    });
  });
  return out;
});

/** Every department must have the key for it to be the parent key: make some trees that way. */
const keyed = fc.tuple(trees, fc.constantFrom('code', 'openDepartmentId', 'none')).map(([tree, key]) =>
  key === 'none' ? tree : tree.map((d, i) => ({ ...d, [key]: d[key] ?? `${key}-${i}` })),
);

function shape(departments: readonly Pick<StoredDepartment, 'id' | 'parentId' | 'name' | 'depth'>[]): Map<string, unknown> {
  const byId = new Map(departments.map((d) => [d.id, d]));
  return new Map(departments.map((d) => [d.name, { parent: d.parentId === null ? null : byId.get(d.parentId)!.name, depth: d.depth }]));
}

function fieldsOf(d: StoredDepartment): unknown {
  const { id: _id, parentId: _p, path: _path, organizationId: _o, memberCount: _m, ...rest } = d;
  return rest;
}

describe.each(EXPORT_FORMATS)('export as %s, imported again by the pure pipeline', (format) => {
  it('same organization: every row unchanged; empty organization: the same tree', async () => {
    await fc.assert(
      fc.asyncProperty(keyed, fc.integer({ min: 1, max: 7 }), async (tree, pageSize) => {
        const bytes = [await exportBytes(memoryExportPort(tree), format, false, pageSize)];

        const same = await runPurePipeline(bytes, `export.${format}`, {}, ORG, tree);
        if (same.kind !== 'report') throw same.error;
        expect(same.plan.rowResults.map((r) => [r.row, r.action, r.errors])).toEqual(same.plan.rowResults.map((r) => [r.row, 'unchanged', []]));
        expect(same.plan.rowResults).toHaveLength(tree.length);

        const empty = await runPurePipeline(bytes, `export.${format}`, {}, ORG, []);
        if (empty.kind !== 'report') throw empty.error;
        expect(empty.plan.rowResults.filter((r) => r.action !== 'created')).toEqual([]);
        const created = empty.plan.creates;
        expect(shape(created)).toEqual(shape(tree));
        const byName = new Map(created.map((d) => [d.name, d]));
        for (const d of tree) expect(fieldsOf({ ...byName.get(d.name)!, depth: d.depth })).toEqual(fieldsOf(d));
      }),
      { numRuns: 60 },
    );
  });

  it('writes parents before children, and only active departments with --active', async () => {
    await fc.assert(
      fc.asyncProperty(keyed, async (tree) => {
        const bytes = await exportBytes(memoryExportPort(tree), format, true, 3);
        // An NDJSON file of no departments is an empty file, which the importer refuses (EMPTY_FILE).
        if (format === 'ndjson' && !tree.some((d) => d.isActive)) {
          expect(bytes.toString('utf8')).toBe('');
          return;
        }
        const result = await runPurePipeline([bytes], `export.${format}`, {}, ORG, tree);
        if (result.kind !== 'report') throw result.error;
        expect(result.plan.rowResults).toHaveLength(tree.filter((d) => d.isActive).length);
      }),
      { numRuns: 30 },
    );
  });
});
