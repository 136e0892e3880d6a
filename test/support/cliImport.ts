/**
 * `orgsync import ... --json` through the real CLI (see cli.ts), parsed: for
 * the shape and real-data tests that assert exact counts per action and code.
 */
import type { TestDb } from './db.js';
import { cliEnv, REPO_ROOT, runCli } from './cli.js';

export interface JsonReport {
  runId: string;
  status: string;
  counts: Record<string, number>;
  errors: { row: number; code: string; field: string; message: string; key: string | null }[];
  warnings: string[];
  fileError?: { code: string; message: string; line?: number };
}

/** The exit code and the parsed --json report of one import. */
export async function importCli(db: TestDb, args: string[]): Promise<{ code: number | null; report: JsonReport; stderr: string }> {
  const result = await runCli(['import', ...args, '--json'], cliEnv(db));
  let report: JsonReport;
  try {
    report = JSON.parse(result.stdout) as JsonReport;
  } catch {
    throw new Error(`orgsync import printed no JSON (exit ${result.code}): ${result.stdout}${result.stderr}`);
  }
  return { code: result.code, report, stderr: result.stderr };
}

/** Error counts per code, e.g. { NAME_TOO_LONG: 23 }. */
export function countByCode(report: Pick<JsonReport, 'errors'>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of report.errors) out[e.code] = (out[e.code] ?? 0) + 1;
  return out;
}

export { REPO_ROOT };
