/**
 * importRunsRepo: the run history and the stored per-row results, on both dialects.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importRunsRepo, organizationsRepo } from '../../src/adapters/db/index.js';
import { emptyCounts, type RowResult } from '../../src/core/model.js';
import { dialects, openTestDatabase, type TestDb } from '../support/db.js';
import { createTestOrganization, department, update } from '../support/dbFixtures.js';

describe.each(dialects)('import runs (%s)', (dialect) => {
  let db: TestDb;

  beforeAll(async () => {
    db = await openTestDatabase(dialect, 'runs');
  });
  afterAll(async () => {
    await db?.drop();
  });

  const newRun = (organizationCode: string, createdAt?: Date) =>
    importRunsRepo(db).createRun({
      organizationCode,
      sourceName: 'departments.csv',
      mode: 'sync',
      options: { mode: 'sync', dryRun: false, maxDeactivate: { kind: 'percent', value: 20 } },
      dryRun: false,
      ...(createdAt ? { createdAt } : {}),
    });

  it('records a run through its life cycle', async () => {
    const runs = importRunsRepo(db);
    const org = await createTestOrganization(db);
    const id = await newRun(org.code, new Date('2024-03-01T08:00:00.123Z'));
    expect(id).toMatch(/^run_[0-9A-Z]{26}$/);
    expect(await runs.getRun(id)).toMatchObject({
      id,
      status: 'queued',
      organizationId: null,
      createdAt: '2024-03-01T08:00:00.123Z',
      startedAt: null,
      dryRun: false,
      options: { mode: 'sync', dryRun: false, maxDeactivate: { kind: 'percent', value: 20 } },
    });

    await runs.startRun(id);
    await runs.recordInput(id, { sha256: 'a'.repeat(64), format: 'csv', columns: ['name', 'code', 'parent'] });
    const counts = { ...emptyCounts(), rows: 3, created: 2, failed: 1 };
    await runs.finishRun(id, {
      status: 'completed_with_errors',
      counts,
      organizationId: org.id,
      finishedAt: new Date('2024-03-01T08:00:05.000Z'),
    });

    const run = await runs.getRun(id);
    expect(run).toMatchObject({
      status: 'completed_with_errors',
      counts,
      organizationId: org.id,
      inputSha256: 'a'.repeat(64),
      format: 'csv',
      columns: ['name', 'code', 'parent'],
      errorCode: null,
      errorMessage: null,
      errorLine: null,
      finishedAt: '2024-03-01T08:00:05.000Z',
    });
    expect(run?.startedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });

  it('records a failed run for an unknown organization', async () => {
    const runs = importRunsRepo(db);
    const id = await newRun('no-such-org');
    await runs.finishRun(id, {
      status: 'failed',
      counts: null,
      error: { code: 'ORGANIZATION_NOT_FOUND', message: 'organization "no-such-org" does not exist', line: 4 },
    });
    expect(await runs.getRun(id)).toMatchObject({
      organizationId: null,
      status: 'failed',
      counts: null,
      errorCode: 'ORGANIZATION_NOT_FOUND',
      errorMessage: 'organization "no-such-org" does not exist',
      errorLine: 4,
    });
  });

  it('lists runs newest first, by organization code (exactly)', async () => {
    const runs = importRunsRepo(db);
    const code = `Listed-${dialect}`;
    const older = await newRun(code, new Date('2024-01-01T00:00:00Z'));
    const newer = await newRun(code, new Date('2024-06-01T00:00:00Z'));
    await newRun(code.toLowerCase(), new Date('2024-07-01T00:00:00Z'));
    expect((await runs.listRuns({ organizationCode: code, limit: 10 })).map((r) => r.id)).toEqual([newer, older]);
    expect(await runs.listRuns({ organizationCode: code, limit: 1 })).toHaveLength(1);
    expect((await runs.listRuns({ limit: 100 })).length).toBeGreaterThanOrEqual(3);
  });

  it('stores row results: one line per error, raw records for failed and skipped rows, deactivations last', async () => {
    const runs = importRunsRepo(db);
    const org = await createTestOrganization(db);
    const runId = await newRun(org.code);
    const gone = department(org, 'Old team', undefined, { code: 'OLD' });
    const rowResults: RowResult[] = [
      { row: 2, key: 'SALES', action: 'created', departmentId: 'dept_A', errors: [] },
      { row: 3, key: 'HR', action: 'unchanged', departmentId: 'dept_B', errors: [] },
      {
        row: 4,
        key: 'BAD',
        action: 'failed',
        errors: [
          { row: 4, code: 'NAME_REQUIRED', field: 'name', message: 'The department has no name.' },
          { row: 4, code: 'PARENT_NOT_FOUND', field: 'parent', message: 'no department X' },
        ],
      },
      {
        row: 5,
        key: 'CHILD',
        action: 'skipped',
        errors: [{ row: 5, code: 'PARENT_FAILED', field: 'parent', message: 'row 4 failed' }],
      },
      { row: 6, key: 'SALES', action: 'merged', departmentId: 'dept_A', mergedInto: 2, errors: [] },
      { row: 7, key: 'x'.repeat(600), action: 'updated', departmentId: 'dept_C', errors: [] },
    ];
    const raw = new Map<number, Record<string, unknown>>([
      // Readers produce null-prototype records, where `__proto__` is an ordinary column.
      [4, JSON.parse('{"name": "", "parent": "X", "__proto__": "data"}') as Record<string, unknown>],
      [5, { name: 'Child \u{1F600}', parent: 'BAD', big: 12345678901234567890n }],
    ]);

    const stored = await runs.insertRowResults(runId, { rowResults, deactivations: [update(gone, { isActive: false })] }, raw);

    // Created and unchanged rows are not stored (see rowResultRecords).
    expect(stored).toBe(6);
    const results = await runs.getRowResults(runId);
    expect(results.map((r) => [r.rowNumber, r.action, r.errorCode])).toEqual([
      [4, 'failed', 'NAME_REQUIRED'],
      [4, 'failed', 'PARENT_NOT_FOUND'],
      [5, 'skipped', 'PARENT_FAILED'],
      [6, 'merged', null],
      [7, 'updated', null],
      [null, 'deactivated', null],
    ]);
    expect(results[0]).toMatchObject({
      runId,
      departmentKey: 'BAD',
      field: 'name',
      message: 'The department has no name.',
    });
    const raw4 = results[0]?.raw as Record<string, unknown>;
    expect(Object.entries(raw4).sort()).toEqual([
      ['__proto__', 'data'],
      ['name', ''],
      ['parent', 'X'],
    ]);
    expect(results[2]?.raw).toEqual({ name: 'Child \u{1F600}', parent: 'BAD', big: '12345678901234567890' });
    expect(results[3]?.raw).toBeNull();
    expect(results[3]?.message).toBe('merged into row 2');
    expect(Array.from(results[4]?.departmentKey ?? '')).toHaveLength(512);
    expect(results[5]).toMatchObject({ departmentId: gone.id, departmentKey: 'OLD', raw: null });
  });

  it('finds nothing (rather than failing) for ids that cannot exist', async () => {
    const runs = importRunsRepo(db);
    expect(await runs.getRun('run_\u00f8\u{1F600}')).toBeUndefined();
    expect(await runs.getRowResults('run_\u00f8')).toEqual([]);
    expect(await organizationsRepo(db).findById('org_\u00e9')).toBeUndefined();
  });

  it('stores nothing for an all-unchanged run', async () => {
    const runs = importRunsRepo(db);
    const runId = await newRun('quiet');
    const n = await runs.insertRowResults(runId, {
      rowResults: [{ row: 2, key: 'A', action: 'unchanged', departmentId: 'dept_A', errors: [] }],
    });
    expect(n).toBe(0);
    expect(await runs.getRowResults(runId)).toEqual([]);
  });
});
