/**
 * One import run, end to end: read -> normalise -> (lock) plan -> apply -> report.
 * The CLI, the queue worker and the HTTP API all call this; they differ only in
 * where the bytes come from and how the report is shown.
 */
import { createHash } from 'node:crypto';
import { FileError, isFileError, type RowIssue } from '../core/errors.js';
import type { ImportOptions } from '../core/importOptions.js';
import type { ImportCounts, ImportPlan, InputFormat, Organization, RowResult } from '../core/model.js';
import { emptyCounts } from '../core/model.js';
import { type NormalisedRow, normaliseRecord } from '../core/normalize/normalizeRow.js';
import { mapColumns } from '../core/normalize/vocabulary.js';
import { deactivationLimit, planImport } from '../core/plan/index.js';
import { readInput } from '../core/read/index.js';
import type { Db } from '../adapters/db/index.js';
import { departmentsRepo, importRunsRepo, organizationsRepo, withOrganizationLock } from '../adapters/db/index.js';
import { newDepartmentId, newOrganizationId, newRunId } from '../ids.js';

export type RunStatus = 'queued' | 'running' | 'completed' | 'completed_with_errors' | 'failed' | 'needs_approval';

export interface ImportSource {
  /** File name or URL, for format detection and the run history. */
  name: string;
  bytes: AsyncIterable<Uint8Array>;
}

export interface ImportProgress {
  phase: 'reading' | 'planning' | 'writing' | 'done';
  rowsDone: number;
  rowsTotal?: number;
}

export interface ImportRequest {
  organizationCode?: string;
  source: ImportSource;
  options: ImportOptions;
  /** A run created beforehand (queued imports); otherwise one is created. */
  runId?: string;
  onProgress?: (p: ImportProgress) => void;
  lockTimeoutSeconds?: number;
}

export interface ImportReport {
  runId: string;
  organization: string;
  mode: ImportOptions['mode'];
  dryRun: boolean;
  status: RunStatus;
  /** Whether departments were written (false for dry runs, file-level failures and aborted atomic runs). */
  applied: boolean;
  counts: ImportCounts;
  errors: RowIssue[];
  warnings: string[];
  fileError?: { code: string; message: string; line?: number };
  format?: InputFormat;
  /** The input's columns in file order, for the fix-and-reimport CSV. */
  columns: string[];
  /** Original records of failed and skipped rows, by row number. */
  failedRaw: Map<number, Record<string, unknown>>;
  rowResults: RowResult[];
}

interface ReadResult {
  rows: NormalisedRow[];
  columns: string[];
  format: InputFormat;
  sha256: string;
  documentOrganization?: { code?: string; name?: string };
  warnings: string[];
}

async function readAndNormalise(req: ImportRequest): Promise<ReadResult> {
  const hash = createHash('sha256');
  async function* hashed(): AsyncIterable<Uint8Array> {
    for await (const chunk of req.source.bytes) {
      hash.update(chunk);
      yield chunk;
    }
  }
  const input = await readInput(hashed(), { format: req.options.format, fileName: req.source.name, maxRows: req.options.maxRows });
  const mapping = mapColumns(input.columns);
  const warnings: string[] = [];
  if (mapping.unknown.length > 0) {
    warnings.push(`ignored columns that match no department field: ${mapping.unknown.join(', ')}`);
  }
  if (input.format === 'csv' && input.columns.length > 0 && !mapping.columnsByField.has('name')) {
    warnings.push('the file has no name column');
  }
  const rows: NormalisedRow[] = [];
  for await (const record of input.records) {
    rows.push(normaliseRecord(record, mapping, { parentRef: req.options.parentRef }));
    if (rows.length % 5000 === 0) req.onProgress?.({ phase: 'reading', rowsDone: rows.length });
  }
  if (input.columns.length === 0 && rows.length === 0) throw new FileError('EMPTY_FILE', 'the file is empty');
  return {
    rows,
    columns: input.columns,
    format: input.format,
    sha256: hash.digest('hex'),
    documentOrganization: input.organization,
    warnings,
  };
}

function statusOf(plan: ImportPlan): RunStatus {
  return plan.errors.length > 0 ? 'completed_with_errors' : 'completed';
}

export async function runImport(db: Db, req: ImportRequest): Promise<ImportReport> {
  const runs = importRunsRepo(db);
  const opts = req.options;
  const runId =
    req.runId ??
    (await runs.createRun({
      id: newRunId(),
      organizationCode: req.organizationCode ?? '',
      sourceName: req.source.name,
      mode: opts.mode,
      options: opts,
      dryRun: opts.dryRun,
      status: 'running',
    }));
  await runs.startRun(runId);
  const report: ImportReport = {
    runId,
    organization: req.organizationCode ?? '',
    mode: opts.mode,
    dryRun: opts.dryRun,
    status: 'running',
    applied: false,
    counts: emptyCounts(),
    errors: [],
    warnings: [],
    columns: [],
    failedRaw: new Map(),
    rowResults: [],
  };
  try {
    const read = await readAndNormalise(req);
    report.format = read.format;
    report.columns = read.columns;
    report.warnings.push(...read.warnings);
    const orgCode = resolveOrganizationCode(req.organizationCode, read.documentOrganization?.code);
    report.organization = orgCode;
    await runs.recordInput(runId, { organizationCode: orgCode, sha256: read.sha256, format: read.format, columns: read.columns });
    req.onProgress?.({ phase: 'planning', rowsDone: 0, rowsTotal: read.rows.length });

    const outcome = await withOrganizationLock(
      db,
      orgCode,
      async (trx) => {
        const orgs = organizationsRepo(db);
        let org: Organization | undefined = await orgs.findByCode(orgCode, trx);
        const createOrg = org === undefined;
        if (!org) {
          if (!opts.createOrg) {
            throw new FileError('ORGANIZATION_NOT_FOUND', `organization "${orgCode}" does not exist; create it with --create-org or "orgsync org create ${orgCode}"`);
          }
          const name = opts.orgName ?? read.documentOrganization?.name ?? orgCode;
          org = { id: newOrganizationId(), code: orgCode, name, nameScope: opts.nameScope };
        }
        const departments = departmentsRepo(db);
        const stored = createOrg ? [] : await departments.loadForOrganization(org.id, trx);
        const plan = planImport({
          organization: org,
          rows: read.rows,
          stored,
          options: { mode: opts.mode, matchBy: opts.matchBy, maxDepth: opts.maxDepth },
          newId: newDepartmentId,
        });
        if (opts.mode === 'sync') {
          const active = stored.filter((d) => d.isActive).length;
          const limit = deactivationLimit(opts.maxDeactivate, active);
          if (plan.deactivations.length > limit) {
            throw new FileError(
              'DEACTIVATION_THRESHOLD_EXCEEDED',
              `this sync would deactivate ${plan.deactivations.length} of ${active} active departments; --max-deactivate allows ${limit}. Nothing was written. Check the file is a complete export, or raise --max-deactivate.`,
              undefined,
              { wouldDeactivate: plan.deactivations.length, active, limit },
            );
          }
        }
        if (opts.dryRun || (opts.atomic && plan.errors.length > 0)) return { plan, org, applied: false };
        req.onProgress?.({ phase: 'writing', rowsDone: 0, rowsTotal: read.rows.length });
        if (createOrg) await orgs.create(org, trx);
        await departments.applyPlan(trx, org, plan, { runId, now: new Date() });
        await runs.insertRowResults(runId, plan, rawOf(read.rows, plan), trx);
        await runs.finishRun(runId, { status: statusOf(plan), counts: plan.counts, organizationId: org.id }, trx);
        return { plan, org, applied: true };
      },
      { timeoutSeconds: req.lockTimeoutSeconds ?? 600 },
    );

    const { plan } = outcome;
    Object.assign(report, {
      applied: outcome.applied,
      counts: plan.counts,
      errors: plan.errors,
      rowResults: plan.rowResults,
      failedRaw: rawOf(read.rows, plan),
    });
    report.warnings.push(...plan.warnings);
    if (outcome.applied) {
      report.status = statusOf(plan);
    } else if (opts.dryRun) {
      report.status = statusOf(plan);
      await runs.insertRowResults(runId, plan, report.failedRaw);
      await runs.finishRun(runId, { status: report.status, counts: plan.counts });
    } else {
      // --atomic with row errors: the plan is reported, nothing was written.
      report.status = 'failed';
      report.fileError = { code: 'ATOMIC_ABORTED', message: `${plan.errors.length} row error(s) in an --atomic import: nothing was written` };
      await runs.insertRowResults(runId, plan, report.failedRaw);
      await runs.finishRun(runId, { status: 'failed', counts: plan.counts, error: report.fileError });
    }
    req.onProgress?.({ phase: 'done', rowsDone: plan.counts.rows, rowsTotal: plan.counts.rows });
    return report;
  } catch (err) {
    if (!isFileError(err)) throw err; // transient or internal: the caller retries or reports
    report.status = 'failed';
    report.fileError = { code: err.code, message: err.message, ...(err.line === undefined ? {} : { line: err.line }) };
    await runs.finishRun(runId, { status: 'failed', counts: report.counts, error: report.fileError });
    return report;
  }
}

function resolveOrganizationCode(given: string | undefined, inDocument: string | undefined): string {
  if (given && inDocument && given !== inDocument) {
    throw new FileError('DOCUMENT_ORGANIZATION_MISMATCH', `the file is for organization "${inDocument}", not "${given}"`);
  }
  const code = given ?? inDocument;
  if (!code) throw new FileError('ORGANIZATION_NOT_FOUND', 'no organization given: pass --org CODE');
  return code;
}

/** The original records of rows that failed or were skipped, for the fix-and-reimport report. */
function rawOf(rows: readonly NormalisedRow[], plan: ImportPlan): Map<number, Record<string, unknown>> {
  const failed = new Set(plan.rowResults.filter((r) => r.action === 'failed' || r.action === 'skipped').map((r) => r.row));
  const out = new Map<number, Record<string, unknown>>();
  for (const r of rows) if (failed.has(r.row.row)) out.set(r.row.row, r.row.raw);
  return out;
}
