/**
 * The read round trip of an API create on MySQL/MariaDB
 * (adapters/db/departmentCreateSql.ts): the parent's ancestors come from the
 * ids in its stored path as primary-key lookups, not from a recursive walk
 * up parent_id (which cost MariaDB about twice as much CPU per create), and
 * whatever the levels read leave out is named for one more read.
 */
import { describe, expect, it } from 'vitest';
import { ANCESTOR_LEVELS, candidatesStatement, missingAncestors } from '../../src/adapters/db/departmentCreateSql.js';
import type { RowLookupKeys } from '../../src/core/plan/rowKeys.js';

const keys = (over: Partial<RowLookupKeys> = {}): RowLookupKeys => ({
  id: null,
  parent: [{ by: 'code', value: 'ENG' }],
  parentMayBeRoot: false,
  code: 'BE',
  openDepartmentId: null,
  name: 'Backend',
  ...over,
});

const dept = (id: string, parentId: string | null, path: string) => ({ id, parentId, path });

describe('the candidates statement of an API create', () => {
  it('reads the parent candidates\' ancestors by the ids in their paths, by primary key, with no recursive walk', () => {
    const s = candidatesStatement('org_1', 'organization', keys())!;
    expect(s.sql).not.toMatch(/RECURSIVE/i);
    expect(s.sql).toContain('FORCE INDEX (PRIMARY)');
    expect(s.sql.match(/SUBSTRING_INDEX\(SUBSTRING_INDEX\(p\.path/g)).toHaveLength(ANCESTOR_LEVELS);
    // The ancestors (organization, parent code), the code's holder, the name's holder under an existing parent.
    expect(s.values).toEqual(['org_1', 'ENG', 'org_1', 'BE', 'org_1', 'Backend', 'org_1', 'ENG']);
    expect(s.sql.split('?')).toHaveLength(s.values.length + 1);
  });

  it('looks for ancestors under every key the parent reference may name', () => {
    const s = candidatesStatement('org_1', 'siblings', keys({ parent: [{ by: 'id', value: 'x' }, { by: 'code', value: 'x' }], code: null, name: null }))!;
    expect(s.sql).toContain('WHERE p.organization_id = ? AND (p.`id` = ? OR p.`code` = ?)');
    expect(s.values).toEqual(['org_1', 'x', 'x']);
  });

  it('reads no ancestors for a top-level department', () => {
    const s = candidatesStatement('org_1', 'organization', keys({ parent: [], parentMayBeRoot: true }))!;
    expect(s.sql).not.toContain('p.path');
    expect(s.values).toEqual(['org_1', 'BE', 'org_1', 'Backend']);
  });
});

describe('missingAncestors', () => {
  const root = dept('a', null, '/a');
  const mid = dept('b', 'a', '/a/b');
  const parent = dept('c', 'b', '/a/b/c');

  it('names nothing when the parents\' chains were read', () => {
    expect(missingAncestors([parent], [parent, mid, root])).toEqual([]);
    expect(missingAncestors([root], [root])).toEqual([]);
  });

  it('names the ids of the paths that were not read (a parent deeper than the levels read)', () => {
    expect(missingAncestors([parent], [parent, mid])).toEqual(['a']);
  });

  it('names a parent_id that the path does not hold (a path that disagrees with parent_id)', () => {
    const stray = dept('c', 'x', '/a/b/c');
    expect(missingAncestors([stray], [stray, mid, root])).toEqual(['x']);
    // Up the parent_ids of what was read, too.
    const strayMid = dept('b', 'y', '/a/b');
    expect(missingAncestors([parent], [parent, strayMid, root])).toEqual(['y']);
  });

  it('stops on a parent_id cycle among the rows read', () => {
    const p = dept('p', 'q', '/q/p');
    const q = dept('q', 'p', '/q');
    expect(missingAncestors([p], [p, q])).toEqual([]);
  });
});
