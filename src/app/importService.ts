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
import type { NormalisedRow } from '../core/normalize/normalizeRow.js';
import { planMembers } from '../core/members/plan.js';
import { deactivationLimit, planImport } from '../core/plan/index.js';
import { readInput } from '../core/read/index.js';
import { isDefaultChildrenKey } from '../core/read/document.js';
import { type RejectedRow, shapeRecords, shapeSpec } from '../core/shape/index.js';
import { addShapeResults } from '../core/shape/results.js';
import type { Db } from '../adapters/db/index.js';
import { departmentsRepo, importRunsRepo, membersRepo, organizationsRepo, runQueueRepo, withOrganizationLock } from '../adapters/db/index.js';
import { newDepartmentId, newOrganizationId, newRunId } from '../ids.js';
import { approvedPlan, departmentsFingerprint, heldAgain, heldOverThreshold, holdPlan, releaseHeldPlan } from './heldPlan.js';
import { loadStoredReport } from './runReport.js';

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

/**
 * What a sync that would deactivate more than --max-deactivate allows does:
 * - 'fail': nothing is written, the run fails (the in-process CLI);
 * - 'hold': nothing is written, the plan is stored and the run waits as
 *   needs_approval (queued runs: nobody is there to say yes);
 * - 'approve': the run is a needs_approval one being approved: its held plan
 *   is applied if the departments are unchanged since it was made, otherwise
 *   the run is planned again and held again.
 * Dry runs always 'fail': there is nothing to approve.
 */
export type ThresholdPolicy = 'fail' | 'hold' | 'approve';

export interface ImportRequest {
  organizationCode?: string;
  source: ImportSource;
  options: ImportOptions;
  /** A run created beforehand (queued imports); otherwise one is created. */
  runId?: string;
  onProgress?: (p: ImportProgress) => void;
  lockTimeoutSeconds?: number;
  overThreshold?: ThresholdPolicy;
  /** Mark the run failed (INTERNAL_ERROR) when the import throws something other than a FileError. */
  failRunOnError?: boolean;
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
  /** The planner's rows: one per department (see core/shape). */
  rows: NormalisedRow[];
  /** Rows the shape stage failed on its own, and the counts it keeps. */
  rejected: RejectedRow[];
  inputRows: number;
  mergedRows: number;
  /** With a member column: member ids per planner row. */
  members?: Map<number, ReadonlySet<string>>;
  /** The organization a mapping file names. */
  mappingOrganization?: string;
  columns: string[];
  format: InputFormat;
  sha256: string;
  documentOrganization?: { code?: string; name?: string };
  warnings: string[];
}

async function readAndNormalise(req: ImportRequest): Promise<ReadResult> {
  const hash = createHash('sha256');
  // "Empty" means no content at all (only whitespace or a byte order mark): an
  // explicit empty list (`[]`, a header-only CSV) is a valid import of nothing.
  let hasContent = false;
  async function* hashed(): AsyncIterable<Uint8Array> {
    for await (const chunk of req.source.bytes) {
      hash.update(chunk);
      if (!hasContent) hasContent = chunk.some((b) => b !== 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0xef && b !== 0xbb && b !== 0xbf && b !== 0xff && b !== 0xfe && b !== 0);
      yield chunk;
    }
  }
  const opts = req.options;
  const spec = shapeSpec(opts);
  const childrenKey = spec.childrenKey;
  const input = await readInput(hashed(), {
    format: opts.format ?? opts.mapping?.format,
    fileName: req.source.name,
    maxRows: opts.maxRows,
    encoding: opts.encoding ?? opts.mapping?.encoding,
    isChildrenKey: childrenKey === undefined ? isDefaultChildrenKey : (key) => key === childrenKey,
  });
  const shaped = await shapeRecords(input, spec, (rowsDone) => req.onProgress?.({ phase: 'reading', rowsDone }));
  if (!hasContent) throw new FileError('EMPTY_FILE', 'the file is empty');
  return {
    rows: shaped.rows,
    rejected: shaped.rejected,
    inputRows: shaped.inputRows,
    mergedRows: shaped.mergedRows,
    ...(shaped.members ? { members: shaped.members } : {}),
    ...(opts.mapping?.organization ? { mappingOrganization: opts.mapping.organization } : {}),
    columns: shaped.columns,
    format: input.format,
    sha256: hash.digest('hex'),
    documentOrganization: input.organization,
    warnings: shaped.warnings,
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
  const policy: ThresholdPolicy = opts.dryRun ? 'fail' : (req.overThreshold ?? 'fail');
  const approving = policy === 'approve';
  // An approval keeps the run needs_approval until its transaction commits, so
  // a crash half-way leaves it approvable. Otherwise the guarded start refuses
  // a run another attempt already finished (a re-delivered job).
  if (!approving && !(await runs.startRun(runId))) return loadStoredReport(db, runId);
  const from = approving ? (['needs_approval'] as const) : undefined;
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
    const orgCode = resolveOrganizationCode(req.organizationCode, read.documentOrganization?.code, read.mappingOrganization);
    report.organization = orgCode;
    await runs.recordInput(runId, { organizationCode: orgCode, sha256: read.sha256, format: read.format, columns: read.columns });
    req.onProgress?.({ phase: 'planning', rowsDone: 0, rowsTotal: read.inputRows });

    const outcome = await withOrganizationLock(
      db,
      orgCode,
      async (trx) => {
        // First statement under the lock: if another attempt finished the run
        // while this one waited, stop here and report what it did.
        if (!(await runQueueRepo(db).isStill(runId, approving ? 'needs_approval' : 'running', trx))) return null;
        const lockAcquiredAt = new Date();
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
        const fingerprint = () => departmentsFingerprint(createOrg ? undefined : org, stored);
        const held = approving ? await approvedPlan(db, trx, runId, fingerprint()) : undefined;
        const plan =
          held ??
          addShapeResults(
            planImport({
              organization: org,
              rows: read.rows,
              stored,
              options: { mode: opts.mode, matchBy: opts.matchBy, maxDepth: opts.maxDepth },
              newId: newDepartmentId,
            }),
            read,
          );
        if (!held && read.members) {
          const storedMembers = createOrg ? new Map<string, Set<string>>() : await membersRepo(db).loadForOrganization(org.id, trx);
          plan.members = planMembers({
            mode: opts.mode,
            plan,
            plannedRows: read.rows.length,
            membersByRow: read.members,
            stored: storedMembers,
            storedDepartments: stored,
          });
          plan.counts.membersAdded = plan.members.adds.length;
          plan.counts.membersRemoved = plan.members.removes.length;
        }
        const hold = async (error: { code: string; message: string }) => {
          const warnings = [...report.warnings, ...plan.warnings];
          const holdFrom = approving ? 'needs_approval' : 'running';
          await holdPlan(db, trx, { runId, plan, fingerprint: fingerprint(), error, warnings, from: holdFrom, lockAcquiredAt });
          return { plan, org, applied: false, held: error };
        };
        if (approving && !held) return hold(heldAgain(runId, orgCode, plan.deactivations.length));
        if (opts.mode === 'sync' && !approving) {
          const active = stored.filter((d) => d.isActive).length;
          const limit = deactivationLimit(opts.maxDeactivate, active);
          if (plan.deactivations.length > limit && policy === 'hold') return hold(heldOverThreshold(runId, plan.deactivations.length, active, limit));
          if (plan.deactivations.length > limit) {
            throw new FileError(
              'DEACTIVATION_THRESHOLD_EXCEEDED',
              `this sync would deactivate ${plan.deactivations.length} of ${active} active departments; --max-deactivate allows ${limit}. Nothing was written. Check the file is a complete export, or raise --max-deactivate.`,
              undefined,
              { wouldDeactivate: plan.deactivations.length, active, limit },
            );
          }
        }
        if (opts.dryRun || (opts.atomic && plan.errors.length > 0)) {
          // Recorded under the lock like an applied run, so that a concurrent
          // attempt of the same run finds it finished instead of recording it twice.
          const error = opts.dryRun ? undefined : atomicAborted(plan);
          await runs.insertRowResults(runId, plan, rawOf(read, plan), trx);
          const warnings = [...report.warnings, ...plan.warnings];
          await runs.finishRun(runId, { status: error ? 'failed' : statusOf(plan), counts: plan.counts, error, warnings, lockAcquiredAt }, trx);
          return { plan, org, applied: false, held: undefined };
        }
        req.onProgress?.({ phase: 'writing', rowsDone: 0, rowsTotal: read.inputRows });
        if (createOrg) await orgs.create(org, trx);
        await departments.applyPlan(trx, org, plan, { runId, now: new Date() });
        if (plan.members) await membersRepo(db).applyMembers(trx, org, plan.members, { runId, now: new Date() });
        await runs.insertRowResults(runId, plan, rawOf(read, plan), trx);
        const warnings = [...report.warnings, ...plan.warnings];
        await runs.finishRun(runId, { status: statusOf(plan), counts: plan.counts, organizationId: org.id, warnings, from, lockAcquiredAt }, trx);
        if (approving) await releaseHeldPlan(db, trx, runId);
        return { plan, org, applied: true, held: undefined };
      },
      { timeoutSeconds: req.lockTimeoutSeconds ?? 600 },
    );

    if (outcome === null) return loadStoredReport(db, runId);
    const { plan } = outcome;
    Object.assign(report, {
      applied: outcome.applied,
      counts: plan.counts,
      errors: plan.errors,
      rowResults: plan.rowResults,
      failedRaw: rawOf(read, plan),
    });
    report.warnings.push(...plan.warnings);
    if (outcome.held) {
      report.status = 'needs_approval';
      report.fileError = outcome.held;
    } else if (outcome.applied) {
      report.status = statusOf(plan);
    } else if (opts.dryRun) {
      report.status = statusOf(plan);
    } else {
      // --atomic with row errors: the plan is reported, nothing was written.
      report.status = 'failed';
      report.fileError = atomicAborted(plan);
    }
    req.onProgress?.({ phase: 'done', rowsDone: plan.counts.rows, rowsTotal: plan.counts.rows });
    return report;
  } catch (err) {
    if (!isFileError(err)) {
      // Transient or internal. A queue worker retries and records the final
      // failure itself; an in-process caller (the CLI) asks for the run to be
      // closed now, so the history never shows it running forever.
      if (req.failRunOnError) {
        const error = { code: 'INTERNAL_ERROR', message: err instanceof Error ? err.message : String(err) };
        await runs.finishRun(runId, { status: 'failed', counts: report.counts, error, warnings: report.warnings, from }).catch(() => undefined);
      }
      throw err;
    }
    report.status = 'failed';
    report.fileError = { code: err.code, message: err.message, ...(err.line === undefined ? {} : { line: err.line }) };
    await runs.finishRun(runId, { status: 'failed', counts: report.counts, error: report.fileError, warnings: report.warnings, from });
    return report;
  }
}

function atomicAborted(plan: ImportPlan): { code: string; message: string } {
  return { code: 'ATOMIC_ABORTED', message: `${plan.errors.length} row error(s) in an --atomic import: nothing was written` };
}

function resolveOrganizationCode(given: string | undefined, inDocument: string | undefined, inMapping?: string): string {
  if (given && inDocument && given !== inDocument) {
    throw new FileError('DOCUMENT_ORGANIZATION_MISMATCH', `the file is for organization "${inDocument}", not "${given}"`);
  }
  const code = given ?? inDocument ?? inMapping;
  if (code && inMapping && code !== inMapping) {
    throw new FileError('DOCUMENT_ORGANIZATION_MISMATCH', `the mapping is for organization "${inMapping}", not "${code}"`);
  }
  if (!code) throw new FileError('ORGANIZATION_NOT_FOUND', 'no organization given: pass --org CODE');
  return code;
}

/** The original records of rows that failed or were skipped, for the fix-and-reimport report. */
function rawOf(read: Pick<ReadResult, 'rows' | 'rejected'>, plan: ImportPlan): Map<number, Record<string, unknown>> {
  const failed = new Set(plan.rowResults.filter((r) => r.action === 'failed' || r.action === 'skipped').map((r) => r.row));
  const out = new Map<number, Record<string, unknown>>();
  for (const r of read.rows) if (failed.has(r.row.row)) out.set(r.row.row, r.row.raw);
  for (const r of read.rejected) if (!out.has(r.row)) out.set(r.row, r.raw);
  return out;
}
