/**
 * What fault tests and the chaos script compare: a deterministic large input,
 * and a checksum of an organization's stored departments that ignores
 * generated ids and timestamps, so "equals a clean run" is one comparison.
 */
import { createHash } from 'node:crypto';
import type { Db } from '../../src/adapters/db/index.js';
import { departmentsOf } from './importHarness.js';

/**
 * `rows` departments: 50 at the top level, each other one under an earlier
 * one (depths up to about 6); every 2,500th row names a parent that does not
 * exist, so a run also stores row results that a second write would duplicate.
 */
export function generatedTree(rows: number): string {
  const lines = ['name,code,parentCode,description'];
  for (let i = 0; i < rows; i++) {
    const parent = i < 50 ? '' : i % 2500 === 1 ? `MISSING${i}` : `C${Math.floor((i - 50) / 5)}`;
    lines.push(`Department ${i},C${i},${parent},Generated department number ${i}`);
  }
  return `${lines.join('\n')}\n`;
}

export interface TreeChecksum {
  sha256: string;
  count: number;
  distinctCodes: number;
}

/** code|name|parent code|depth|active of every department, sorted, hashed. */
export async function treeChecksum(db: Db, org: string): Promise<TreeChecksum> {
  const departments = await departmentsOf(db, org);
  const codeById = new Map(departments.map((d) => [d.id, d.code]));
  const lines = departments
    .map((d) => [d.code, d.name, d.parentId === null ? '' : codeById.get(d.parentId), d.depth, d.isActive ? 1 : 0].join('|'))
    .sort();
  return {
    sha256: createHash('sha256').update(lines.join('\n')).digest('hex'),
    count: departments.length,
    distinctCodes: new Set(departments.map((d) => d.code)).size,
  };
}

/** Row results stored for a run: a run written twice would have twice as many. */
export async function storedRowResults(db: Db, runId: string): Promise<number> {
  const row = (await db.knex('import_row_results').count({ n: '*' }).where('run_id', runId).first()) as { n: number | string } | undefined;
  return Number(row?.n ?? 0);
}

/** How many departments an organization has right now, as another connection sees them. */
export async function departmentCount(db: Db, org: string): Promise<number> {
  const row = (await db
    .knex('departments as d')
    .join('organizations as o', 'o.id', 'd.organization_id')
    .where('o.code', org)
    .count({ n: '*' })
    .first()) as { n: number | string } | undefined;
  return Number(row?.n ?? 0);
}

/**
 * Samples `probe` until stop() is called and returns the distinct values
 * seen: a reader's view during a fault, to show no partial state was ever
 * visible (every value is "before" or "after").
 */
export function sampler<T>(probe: () => Promise<T>): { stop(): Promise<Set<T>> } {
  const seen = new Set<T>();
  let running = true;
  const loop = (async () => {
    while (running) {
      seen.add(await probe());
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return seen;
    },
  };
}
