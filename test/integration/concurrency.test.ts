/**
 * Two processes importing into one organization at the same time must end in
 * the state of running them one after the other (the per-organization lock).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importRunsRepo } from '../../src/adapters/db/index.js';
import { dialects, openTestDatabase, type TestDb } from '../support/db.js';
import { cliEnv, runCli } from '../support/cli.js';
import { treeShape } from '../support/importHarness.js';

const work = mkdtempSync(join(tmpdir(), 'orgsync-concurrency-'));

/** N departments; `variant` changes every description and moves every tenth one. */
function orgChart(n: number, variant: 'a' | 'b'): string {
  const lines = ['name,code,parentCode,description'];
  for (let i = 0; i < n; i++) {
    let parent = i === 0 ? '' : `D${Math.floor((i - 1) / 5)}`;
    if (variant === 'b' && i > 10 && i % 10 === 0) parent = 'D1';
    lines.push(`Dept ${i},D${i},${parent},from ${variant}`);
  }
  return `${lines.join('\n')}\n`;
}

describe.each(dialects)('concurrent imports of one organization on %s', (dialect) => {
  let db: TestDb;
  beforeAll(async () => {
    db = await openTestDatabase(dialect, 'concurrency', 60);
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('two processes at once end as if run one after the other', async () => {
    const env = cliEnv(db);
    const a = join(work, `a-${dialect}.csv`);
    const b = join(work, `b-${dialect}.csv`);
    writeFileSync(a, orgChart(3000, 'a'));
    writeFileSync(b, orgChart(3000, 'b'));

    const [ra, rb] = await Promise.all([
      runCli(['import', a, '--org', 'shared', '--create-org', '--json'], env),
      runCli(['import', b, '--org', 'shared', '--create-org', '--json'], env),
    ]);
    expect([ra.code, rb.code, ra.stderr, rb.stderr]).toEqual([0, 0, '', '']);
    const runA = await importRunsRepo(db).getRun(JSON.parse(ra.stdout).runId);
    const runB = await importRunsRepo(db).getRun(JSON.parse(rb.stdout).runId);
    expect([runA?.status, runB?.status]).toEqual(['completed', 'completed']);
    // Exactly one of them created the organization and its departments; the other updated.
    const created = [JSON.parse(ra.stdout).counts.created, JSON.parse(rb.stdout).counts.created].sort();
    expect(created).toEqual([0, 3000]);

    const order = runA!.finishedAt! < runB!.finishedAt! ? [a, b] : [b, a];
    for (const path of order) {
      const r = await runCli(['import', path, '--org', 'sequential', '--create-org'], env);
      expect(r.code).toBe(0);
    }
    const concurrent = await treeShape(db, 'shared');
    expect(concurrent).toHaveLength(3000);
    expect(concurrent).toEqual(await treeShape(db, 'sequential'));
  });
});
