/**
 * `--plan-report FILE`: the complete plan of a dry run or a held run
 * (core/plan/preview.ts), where the text report cuts each group at
 * MAX_PLAN_SHOWN. `.json`: { runId, status, dryRun, counts, plan }; any other
 * name: the plan CSV (core/report/planCsv.ts). The fix-and-reimport error
 * report (--report) is a different file with the input's own shape.
 */
import { createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { PlanPreview } from '../core/plan/preview.js';
import type { ImportReport } from '../core/runOutcome.js';

const NO_PLAN: PlanPreview = { created: [], updated: [], moved: [], deactivated: [], membersOrphaned: [] };

export async function writePlanReport(path: string, report: Pick<ImportReport, 'runId' | 'status' | 'dryRun' | 'counts' | 'plan'>): Promise<void> {
  // Only dry runs and held runs keep a plan: any other run's plan report is empty, not missing.
  const plan = report.plan ?? NO_PLAN;
  if (/\.json$/i.test(path)) {
    await writeFile(path, `${JSON.stringify({ runId: report.runId, status: report.status, dryRun: report.dryRun, counts: report.counts, plan })}\n`);
    return;
  }
  // Loaded when a plan report is asked for: no part of an import's start-up.
  const { planReportCsv } = await import('../core/report/planCsv.js');
  await pipeline(Readable.from(planReportCsv(plan)), createWriteStream(path));
}
