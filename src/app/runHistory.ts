/**
 * The run history as the faces read it: `orgsync runs` and `orgsync report`,
 * the HTTP API's runs. (A whole report, rebuilt: runReport.ts.)
 */
import type { ImportRunRecord, ImportRunStatus, Repositories, StoredRowResult } from './ports.js';

type RunsPorts = Pick<Repositories, 'runs'>;

export function getRun({ runs }: RunsPorts, runId: string): Promise<ImportRunRecord | undefined> {
  return runs.getRun(runId);
}

/** Newest first. */
export function listRuns({ runs }: RunsPorts, filter: { organizationCode?: string; status?: ImportRunStatus; limit?: number }): Promise<ImportRunRecord[]> {
  return runs.listRuns(filter);
}

/** A run with its stored row results (one per error of a failed row); undefined: no such run. */
export async function runWithRowResults({ runs }: RunsPorts, runId: string): Promise<{ run: ImportRunRecord; rows: StoredRowResult[] } | undefined> {
  const run = await runs.getRun(runId);
  return run ? { run, rows: await runs.getRowResults(runId) } : undefined;
}
