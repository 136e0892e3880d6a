/**
 * Issue 11 items 4-7, the pure parts: deep chains never overflow the stack,
 * the default depth limit is real and --max-depth is capped at what storage
 * holds, tree text and JSON are written without recursion, stored raw records
 * and error messages are bounded.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { capRawRecord, RAW_RECORD_MAX_BYTES, TRUNCATED_MARK } from '../../src/adapters/db/batch.js';
import { describeError, ERROR_MESSAGE_MAX_CHARS } from '../../src/adapters/db/dbErrors.js';
import { parseImportOptions } from '../../src/core/importOptions.js';
import type { StoredDepartment } from '../../src/core/model.js';
import { parseLongText } from '../../src/core/normalise/values.js';
import { DEFAULT_MAX_DEPTH, MAX_STORABLE_DEPTH } from '../../src/core/plan/index.js';
import { buildTree, renderTree, treeJson } from '../../src/core/tree.js';
import { plan } from '../support/planHarness.js';

/** `n` rows, each the parent of the next: L0 <- L1 <- ... */
function chain(n: number, top: Record<string, unknown> = {}): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [{ name: 'Level 0', code: 'L0', ...top }];
  for (let i = 1; i < n; i++) rows.push({ name: `Level ${i}`, code: `L${i}`, parentCode: `L${i - 1}` });
  return rows;
}

const codesByKind = (p: ReturnType<typeof plan>) => {
  const out: Record<string, number> = {};
  for (const e of p.errors) out[e.code] = (out[e.code] ?? 0) + 1;
  return out;
};

describe('deep chains in the planner (item 4)', () => {
  it('a 20,000-deep chain whose top row fails gives row errors, not a stack overflow', () => {
    const p = plan(chain(20_000, { isActive: 'maybe' }));
    expect(p.errors[0]).toMatchObject({ row: 2, code: 'INVALID_FIELD', field: 'isActive' });
    expect(codesByKind(p)).toEqual({ INVALID_FIELD: 1, PARENT_FAILED: 19_999 });
    expect(p.counts).toMatchObject({ rows: 20_000, failed: 1, skipped: 19_999, created: 0 });
  });

  it('a deep chain below a stored department whose row fails is skipped whole', () => {
    const first = plan(chain(3));
    const stored = first.creates;
    const rows = chain(8_000).map((r, i) => (i === 0 ? { ...r, name: '' } : r));
    // Top row matched by code, but its blank name fails it (NAME_REQUIRED).
    const p = plan(rows, { stored, options: { maxDepth: MAX_STORABLE_DEPTH } });
    expect(p.errors[0]).toMatchObject({ row: 2, code: 'NAME_REQUIRED' });
    expect(codesByKind(p)).toEqual({ NAME_REQUIRED: 1, PARENT_FAILED: 7_999 });
  });
});

describe('depth limit (item 5)', () => {
  it(`is ${DEFAULT_MAX_DEPTH} levels by default: deeper rows fail DEPTH_EXCEEDED, the rest are created`, () => {
    const p = plan(chain(DEFAULT_MAX_DEPTH + 3));
    expect(p.creates).toHaveLength(DEFAULT_MAX_DEPTH);
    expect(Math.max(...p.creates.map((d) => d.depth))).toBe(DEFAULT_MAX_DEPTH - 1);
    const deep = p.errors.filter((e) => e.code === 'DEPTH_EXCEEDED');
    expect(deep.map((e) => e.row)).toEqual([DEFAULT_MAX_DEPTH + 2, DEFAULT_MAX_DEPTH + 3, DEFAULT_MAX_DEPTH + 4]);
    expect(deep[0]!.message).toContain(`at most ${DEFAULT_MAX_DEPTH} levels`);
  });

  it('never allows more levels than the path column stores, whatever maxDepth the planner is given', () => {
    const p = plan(chain(MAX_STORABLE_DEPTH + 1), { options: { maxDepth: 1_000_000 } });
    expect(p.creates).toHaveLength(MAX_STORABLE_DEPTH);
    expect(p.errors.map((e) => `${e.row}:${e.code}`)).toEqual([`${MAX_STORABLE_DEPTH + 2}:DEPTH_EXCEEDED`]);
    // The deepest path fits MariaDB's TEXT (65,535 bytes) even with 32-byte ids.
    const deepest = p.creates.at(-1)!;
    expect(deepest.depth + 1).toBe(MAX_STORABLE_DEPTH);
    expect((deepest.depth + 1) * 33).toBeLessThanOrEqual(65_535);
  });

  it('--max-depth is refused above what storage holds', () => {
    expect(parseImportOptions({ maxDepth: MAX_STORABLE_DEPTH }).ok).toBe(true);
    const over = parseImportOptions({ maxDepth: MAX_STORABLE_DEPTH + 1 });
    expect(over.ok).toBe(false);
  });
});

function department(id: string, name: string, parentId: string | null, isActive = true): StoredDepartment {
  return {
    id,
    organizationId: 'org_t',
    name,
    description: null,
    code: null,
    openDepartmentId: null,
    parentId,
    path: '',
    depth: 0,
    location: null,
    i18n: null,
    customData: null,
    leaderUserIds: null,
    postIds: null,
    isVirtual: false,
    isActive,
    color: null,
    tenantId: null,
    memberCount: 0,
  };
}

/** The recursive JSON the tree views used to produce, for comparison on small trees. */
const openAsBefore = (n: { department: StoredDepartment }) => `{"department":${JSON.stringify(n.department)}`;

describe('tree text and JSON without recursion (item 6)', () => {
  const chainTree = (n: number) => buildTree(Array.from({ length: n }, (_, i) => department(`d${i}`, `N${i}`, i === 0 ? null : `d${i - 1}`)));

  it('renders and serialises a 100,000-deep chain', () => {
    const tree = chainTree(100_000);
    const text = renderTree(tree);
    const lines = text.split('\n');
    expect(lines).toHaveLength(100_000);
    expect(lines[99_999]).toContain('level 100000');
    expect(lines[99_999]).toContain('N99999');
    const json = treeJson(tree, (n) => JSON.stringify({ id: n.department.id }).slice(0, -1));
    expect(json.startsWith('[{"id":"d0","children":[{"id":"d1","children":[')).toBe(true);
    expect(json.endsWith(`{"id":"d99999","children":[]}${']}'.repeat(99_999)}]`)).toBe(true);
  });

  it('gives exactly JSON.stringify of the nested tree, and draws what the recursive renderer drew', () => {
    // Random forests: each department's parent is an earlier one or none.
    const forest = fc.array(fc.record({ parent: fc.nat(), top: fc.boolean(), name: fc.constantFrom('A', 'B', 'C'), active: fc.boolean() }), { maxLength: 40 });
    fc.assert(
      fc.property(forest, (specs) => {
        const ds = specs.map((s, i) => department(`d${i}`, s.name, s.top || i === 0 ? null : `d${s.parent % i}`, s.active));
        const tree = buildTree(ds);
        expect(treeJson(tree, openAsBefore)).toBe(JSON.stringify(tree));
        expect(renderTree(tree)).toBe(recursiveRender(tree));
        const active = JSON.parse(treeJson(tree, (n) => JSON.stringify({ id: n.department.id }).slice(0, -1), (n) => n.department.isActive)) as unknown;
        expect(active).toEqual(activeOnly(tree));
      }),
    );
  });
});

type Node = ReturnType<typeof buildTree>[number];

function recursiveRender(roots: readonly Node[]): string {
  const lines: string[] = [];
  const walk = (nodes: readonly Node[], prefix: string): void => {
    nodes.forEach((n, i) => {
      const last = i === nodes.length - 1;
      const d = n.department;
      const tags = [d.code ? `[${d.code}]` : '', d.isActive ? '' : '(inactive)'].filter(Boolean).join(' ');
      lines.push(`${prefix}${last ? '└─ ' : '├─ '}${d.name}${tags ? ` ${tags}` : ''}`);
      walk(n.children, `${prefix}${last ? '   ' : '│  '}`);
    });
  };
  walk(roots, '');
  return lines.join('\n');
}

type IdTree = { id: string; children: IdTree[] };
function activeOnly(nodes: readonly Node[]): IdTree[] {
  return nodes.filter((n) => n.department.isActive).map((n) => ({ id: n.department.id, children: activeOnly(n.children) }));
}

describe('stored raw records and error messages are bounded (items 5 and 7)', () => {
  it('a 17 MB record is stored within 64 KB, its big value cut and marked, the small ones whole', () => {
    const raw = { name: 'Big', description: 'x'.repeat(17 * 1024 * 1024), code: 'BIG' };
    const capped = capRawRecord(raw);
    expect(Buffer.byteLength(JSON.stringify(capped))).toBeLessThanOrEqual(RAW_RECORD_MAX_BYTES);
    expect(capped.name).toBe('Big');
    expect(capped.code).toBe('BIG');
    expect(capped.description).toContain(`${TRUNCATED_MARK}the value had ${17 * 1024 * 1024} bytes]`);
    // A cut value never passes as a field again (orgsync retry re-imports stored records).
    expect(parseLongText(capped.description, 65_535).ok).toBe(false);
  });

  it('any record, however wide or multi-byte, is stored within the cap; a record that fits is not copied', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ maxLength: 300 }), fc.oneof(fc.string({ maxLength: 20 }), fc.string({ unit: 'grapheme', minLength: 20_000, maxLength: 40_000 }))), (raw) => {
        const capped = capRawRecord(raw);
        expect(Buffer.byteLength(JSON.stringify(capped))).toBeLessThanOrEqual(RAW_RECORD_MAX_BYTES);
        if (Buffer.byteLength(JSON.stringify(raw)) <= RAW_RECORD_MAX_BYTES) expect(capped).toBe(raw);
      }),
      { numRuns: 30 },
    );
    // A YAML integer can arrive as a BigInt: stored as text, as toDbJson does.
    const withBigint = capRawRecord({ id: 12345678901234567890n, note: 'z'.repeat(100_000) });
    expect(withBigint.id).toBe(12345678901234567890n);
    expect(String(withBigint.note)).toContain(TRUNCATED_MARK);
    const wide: Record<string, unknown> = {};
    for (let i = 0; i < 50_000; i++) wide[`column ${i}`] = 'v';
    const capped = capRawRecord(wide);
    expect(Buffer.byteLength(JSON.stringify(capped))).toBeLessThanOrEqual(RAW_RECORD_MAX_BYTES);
    expect(String(capped['…'])).toMatch(/more column\(s\) left out/);
  });

  it('a driver error carrying a 65 KB statement becomes a short message that keeps the cause', () => {
    const err = new Error(`insert into \`departments\` (\`id\`, \`path\`) values ${"('dept_x', '/dept_a/dept_b'), ".repeat(2_000)} - Data too long for column 'path' at row 1`);
    const message = describeError(err);
    expect(message.length).toBeLessThanOrEqual(ERROR_MESSAGE_MAX_CHARS + 60);
    expect(message.startsWith('insert into `departments`')).toBe(true);
    expect(message.endsWith("Data too long for column 'path' at row 1")).toBe(true);
    expect(describeError(new Error('short'))).toBe('short');
  });
});
