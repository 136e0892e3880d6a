/**
 * The objects every record makes by constructor (core/normalise/rowObjects.ts)
 * are, to everything that reads them, the literals they replace: the same own
 * properties, in the same order (one hidden class with the literals still
 * made elsewhere, the same JSON), and nothing else. And child paths built on
 * a shared parent prefix (core/plan/storedPaths.ts, ChildPathPrefixes) are
 * the parent's path, '/', the id.
 */
import { describe, expect, it } from 'vitest';
import { parseImportOptions } from '../../src/core/importOptions.js';
import type { ParentRef } from '../../src/core/model.js';
import { planShapedRows, readShapedRows } from '../../src/core/pipeline.js';
import { ChildPathPrefixes } from '../../src/core/plan/storedPaths.js';
import { ORG, idGenerator } from '../support/planHarness.js';

async function* bytesOf(text: string): AsyncGenerator<Uint8Array> {
  yield new TextEncoder().encode(text);
}

async function shape(csv: string) {
  const parsed = parseImportOptions({ parentRef: 'code' });
  if (!parsed.ok) throw new Error(parsed.message);
  return { shaped: await readShapedRows(bytesOf(csv), parsed.value, { fileName: 'x.csv' }), options: parsed.value };
}

describe('row objects made by constructors', () => {
  it('a parent named by a value has the literal reference\'s properties, in its order', async () => {
    const { shaped } = await shape('name,code,parentCode\nHQ,HQ,\nSales,S,HQ\nTeam,T,S\nRooted,R,root\n');
    const refs = shaped.rows.map((r) => r.row.parent);
    const literal: ParentRef = { kind: 'ref', value: 'HQ', type: 'code', field: 'parentCode' };
    expect(Object.keys(refs[1]!)).toEqual(Object.keys(literal));
    expect(JSON.stringify(refs[1])).toBe(JSON.stringify(literal));
    expect({ ...refs[2]! }).toEqual({ kind: 'ref', value: 'S', type: 'code', field: 'parentCode' });
    expect(Object.hasOwn(refs[1]!, 'rootWord')).toBe(false);
    // `root` keeps its own literal, with the flag the planner reads.
    expect({ ...refs[3]! }).toEqual({ kind: 'ref', value: 'root', type: 'code', field: 'parentCode', rootWord: true });
  });

  it('a shaped row is its department row and its issues, nothing else', async () => {
    const { shaped } = await shape('name,code\nHQ,HQ\n');
    expect(Object.keys(shaped.rows[0]!)).toEqual(['row', 'issues']);
    expect(shaped.rows[0]!.issues).toEqual([]);
    expect(shaped.rows[0]!.row.fields).toEqual({ name: 'HQ', code: 'HQ' });
  });
});

describe('child paths on a shared prefix', () => {
  it('are the parent path, a slash and the id, for every sibling and level', async () => {
    const { shaped, options } = await shape('name,code,parentCode\nA,A,\nB,B,A\nC,C,A\nD,D,B\nE,E,B\nF,F,D\n');
    const plan = planShapedRows(shaped, { organization: ORG, departments: [] }, options, idGenerator());
    const byId = new Map(plan.creates.map((d) => [d.id, d]));
    expect(plan.creates).toHaveLength(6);
    for (const d of plan.creates) {
      const parent = d.parentId === null ? undefined : byId.get(d.parentId);
      expect(d.path).toBe(parent ? `${parent.path}/${d.id}` : `/${d.id}`);
    }
    const f = plan.creates.find((d) => d.code === 'F')!;
    expect(f.path.split('/').filter(Boolean)).toHaveLength(4);
  });

  it('makes one prefix per parent', () => {
    const prefixes = new ChildPathPrefixes(3);
    expect(prefixes.of(1, '/a/b')).toBe('/a/b/');
    // The first prefix made for a parent is the one every later child gets.
    expect(prefixes.of(1, '/ignored')).toBe('/a/b/');
    expect(prefixes.of(2, '/a/c')).toBe('/a/c/');
  });
});
