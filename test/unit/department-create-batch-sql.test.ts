/**
 * The read round trip of a batch of API creates on MariaDB
 * (adapters/db/departmentCreateBatchSql.ts): as many statements for 50
 * creates as for 2, the organization's row locked first, every lock wait
 * bounded, every value bound, and only the lists the batch names.
 */
import { describe, expect, it } from 'vitest';
import { batchReads } from '../../src/adapters/db/departmentCreateBatchSql.js';
import type { RowLookupKeys } from '../../src/core/plan/rowKeys.js';

const keys = (i: number, over: Partial<RowLookupKeys> = {}): RowLookupKeys => ({
  id: null,
  parent: [{ by: 'code', value: `P${i % 3}` }],
  parentMayBeRoot: false,
  code: `C${i}`,
  openDepartmentId: null,
  name: `Team ${i}`,
  ...over,
});

const placeholders = (sql: string) => sql.split('?').length - 1;

describe('the reads of a batch of creates', () => {
  it('are as many statements for 50 creates as for 2, the organization row first', () => {
    const two = batchReads('org_1', 'siblings', 'lock', [keys(0), keys(1)], 3);
    const fifty = batchReads('org_1', 'siblings', 'lock', Array.from({ length: 50 }, (_, i) => keys(i)), 3);
    expect(fifty.statements).toHaveLength(two.statements.length);
    expect(fifty.organizationAt).toBe(0);
    expect(fifty.statements[0]?.sql).toMatch(/^SET STATEMENT innodb_lock_wait_timeout = 3 FOR SELECT .* FROM import_locks WHERE lock_name = \? LOCK IN SHARE MODE$/);
    expect(fifty.statements[0]?.values).toEqual(['lock']);
  });

  it('share-lock the parents by each key type named, with the batch deadline, each value once', () => {
    const r = batchReads(
      'org_1',
      'siblings',
      'lock',
      [keys(0), keys(3), keys(1, { parent: [{ by: 'id', value: 'dept_x' }, { by: 'code', value: 'dept_x' }] })],
      0.2,
    );
    const parents = r.parentsAt.map((i) => r.statements[i]!);
    expect(parents).toHaveLength(2);
    for (const p of parents) {
      expect(p.sql).toMatch(/^SET STATEMENT innodb_lock_wait_timeout = 1 FOR SELECT /);
      expect(p.sql).toMatch(/LOCK IN SHARE MODE$/);
    }
    expect(parents.map((p) => p.values)).toEqual([
      ['org_1', ['dept_x']],
      ['org_1', ['P0', 'dept_x']],
    ]);
  });

  it('bind every value: none of the batch\'s values is in the text', () => {
    const evil = "x'); DROP TABLE departments; --";
    const r = batchReads('org_1', 'siblings', 'lock', [keys(0, { code: evil, name: evil, openDepartmentId: evil, parent: [{ by: 'code', value: evil }], parentMayBeRoot: true })], 5);
    for (const s of r.statements) {
      expect(s.sql).not.toContain('DROP TABLE');
      expect(placeholders(s.sql)).toBe(s.values.length);
    }
  });

  it('read only the lists the batch names: no parent, no ancestors; organization scope, one name scope', () => {
    const top = batchReads('org_1', 'organization', 'lock', [keys(0, { parent: [], parentMayBeRoot: true, code: null }), keys(1, { parent: [], parentMayBeRoot: true, code: null })], 5);
    expect(top.parentsAt).toEqual([]);
    expect(top.statements.some((s) => /JSON_TABLE/.test(s.sql))).toBe(false);
    const holders = top.statements[top.othersAt[0]!]!;
    expect(holders.sql).not.toMatch(/code IN|open_department_id IN/);
    expect(holders.sql).toContain("name_scope_key = '' AND name IN (?)");
    expect(holders.values).toEqual(['org_1', ['Team 0', 'Team 1']]);
  });

  it('look for names under every parent read and, when a create may be at the top level, at the top level (siblings scope)', () => {
    const r = batchReads('org_1', 'siblings', 'lock', [keys(0), keys(1, { parent: [], parentMayBeRoot: true })], 5);
    const holders = r.statements[r.othersAt[r.othersAt.length - 1]!]!;
    expect(holders.sql).toContain('d.name_scope_key = s.aid AND d.name IN (?)');
    expect(holders.sql).toContain("name_scope_key = '#root' AND name IN (?)");
  });
});
