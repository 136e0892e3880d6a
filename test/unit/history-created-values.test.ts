/** Rebuilding a create's record from the department and its later changes (core/history/createdValues.ts). */
import { describe, expect, it } from 'vitest';
import { createdRecord, fieldAfter, fieldsAfter, type LaterChange, pathOf } from '../../src/core/history/createdValues.js';

const now = { name: 'Sales EMEA', description: null, code: 'S', parentId: 'dept_o', isActive: false, isVirtual: false, depth: 2, path: '/dept_r/dept_o/dept_s' };
const later: LaterChange[] = [
  { id: 5, action: 'updated', before: { name: 'Old' } }, // before the create (id 10): ignored
  { id: 11, action: 'member_added', before: null },
  { id: 12, action: 'moved', before: { parentId: 'dept_r', path: '/dept_r/dept_s', depth: 1 } },
  { id: 13, action: 'updated', before: { name: 'Sales', description: 'first' } },
  { id: 14, action: 'updated', before: { name: 'Sales EU' } },
  { id: 15, action: 'deactivated', before: { isActive: true } },
];

describe('created records rebuilt from the department', () => {
  it('takes each field from the first later change that names it, else from now', () => {
    expect(fieldAfter(now, later, 10, 'name')).toBe('Sales');
    expect(fieldAfter(now, later, 13, 'name')).toBe('Sales EU');
    expect(fieldAfter(now, later, 10, 'parentId')).toBe('dept_r');
    expect(fieldAfter(now, later, 12, 'parentId')).toBe('dept_o');
    expect(fieldAfter(now, later, 10, 'code')).toBe('S');
    const fields = fieldsAfter(now, later, 10);
    expect(fields).toMatchObject({ name: 'Sales', description: 'first', parentId: 'dept_r', isActive: true, code: 'S' });
    expect(fields).not.toHaveProperty('path');
  });

  it('builds path and depth from the ancestors and leaves out empty fields, in the order a create writes them', () => {
    expect(pathOf('dept_s', ['dept_o', 'dept_r'])).toEqual({ path: '/dept_r/dept_o/dept_s', depth: 2 });
    expect(pathOf('dept_r', [])).toEqual({ path: '/dept_r', depth: 0 });
    const record = createdRecord({ name: 'Sales', description: null, code: 'S', parentId: 'dept_r', isVirtual: false, isActive: true }, { path: '/dept_r/dept_s', depth: 1 });
    expect(record).toEqual({ name: 'Sales', code: 'S', parentId: 'dept_r', path: '/dept_r/dept_s', depth: 1, isVirtual: false, isActive: true });
    expect(Object.keys(record)).toEqual(['name', 'code', 'parentId', 'path', 'depth', 'isVirtual', 'isActive']);
  });
});
