/**
 * The read round trip of an API create on MySQL/MariaDB
 * (adapters/db/departmentCreateSql.ts): the parent's ancestors come from the
 * ids in its stored path as primary-key lookups, not from a recursive walk
 * up parent_id (which cost MariaDB about twice as much CPU per create), and
 * whatever the levels read leave out is named for one more read.
 */
import { describe, expect, it } from 'vitest';
import { ANCESTOR_LEVELS, candidatesStatement, lockedParentRead, missingAncestors, parentVarsFor } from '../../src/adapters/db/departmentCreateSql.js';
import { rowLockStatements } from '../../src/adapters/db/organizationRowLock.js';
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
    expect(s.sql).toContain('WHERE p.organization_id = ? AND (p.id = ? OR p.code = ?)');
    expect(s.values).toEqual(['org_1', 'x', 'x']);
  });

  it('reads no ancestors for a top-level department', () => {
    const s = candidatesStatement('org_1', 'organization', keys({ parent: [], parentMayBeRoot: true }))!;
    expect(s.sql).not.toContain('p.path');
    expect(s.values).toEqual(['org_1', 'BE', 'org_1', 'Backend']);
  });
});

describe('the parent through session variables (MariaDB, one parent key)', () => {
  it('is used only on MariaDB and for one key (at most one parent row)', () => {
    expect(parentVarsFor(true, keys())).toBe(true);
    expect(parentVarsFor(false, keys())).toBe(false);
    expect(parentVarsFor(true, keys({ parent: [{ by: 'id', value: 'x' }, { by: 'code', value: 'x' }] }))).toBe(false);
    expect(parentVarsFor(true, keys({ parent: [], parentMayBeRoot: true }))).toBe(false);
  });

  it('locks the organization\'s row and, joined to it, the parent, in one statement that always sets the variables', () => {
    const read = lockedParentRead('org_1', keys());
    const { lock, before, after } = rowLockStatements(true, 'shared', 7, read);
    expect([before, after]).toEqual([undefined, undefined]);
    expect(lock).toMatch(/^SET STATEMENT innodb_lock_wait_timeout = 7 FOR SELECT .* FROM import_locks LEFT JOIN departments d ON d\.organization_id = \? AND \(d\.code = \?\) WHERE lock_name = \? LOCK IN SHARE MODE$/);
    expect(lock).toContain('@orgsync_parent_id := d.id, @orgsync_parent_path := d.path');
    expect(read.values).toEqual(['org_1', 'ENG']);
    // The organization's row alone, as every other caller reads it.
    expect(rowLockStatements(true, 'shared', 7).lock).toBe('SET STATEMENT innodb_lock_wait_timeout = 7 FOR SELECT lock_name FROM import_locks WHERE lock_name = ? LOCK IN SHARE MODE');
  });

  it('reads the ancestors and the name\'s holders from the variables, not by finding the parent again', () => {
    const s = candidatesStatement('org_1', 'organization', keys(), true)!;
    expect(s.sql).not.toMatch(/ p\b|EXISTS/);
    // Every level of the parent's path, as JSON_TABLE rows (no level limit), each a primary-key lookup.
    expect(s.sql).toContain("JSON_TABLE(CONCAT('[', REPLACE(JSON_QUOTE(SUBSTRING(@orgsync_parent_path, 2)), '/', '\",\"'), ']')");
    expect(s.sql).toContain('JOIN departments a FORCE INDEX (PRIMARY) ON a.id = j.aid');
    expect(s.sql).not.toContain('SUBSTRING_INDEX');
    expect(s.sql).toContain("name_scope_key = '' AND name = ? AND @orgsync_parent_id IS NOT NULL");
    expect(s.values).toEqual(['org_1', 'org_1', 'BE', 'org_1', 'Backend']);
    const siblings = candidatesStatement('org_1', 'siblings', keys({ code: null }), true)!;
    expect(siblings.sql).toContain('name_scope_key = @orgsync_parent_id AND name = ?');
    expect(siblings.values).toEqual(['org_1', 'org_1', 'Backend']);
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
