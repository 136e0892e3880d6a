/**
 * One import run, end to end, as named steps that read top to bottom:
 * start the run -> read the file (meanwhile: the organization's lock, and the
 * stored departments' load) -> plan under the lock and apply, hold or record
 * the plan -> finish the report. The CLI, the queue
 * worker and the HTTP API all call this; they differ only in where the bytes
 * come from and how the report is shown. The pure stages are core/pipeline.ts.
 */
import { createHash } from 'node:crypto';
import { FileError, isFileError, runFailureCodeOf } from '../core/errors.js';
import { emptyCounts } from '../core/model.js';
import { failedRecords, readShapedRows, type ShapedFile } from '../core/pipeline.js';
import type { RunStatus } from '../core/runLifecycle.js';
import { type ImportReport, outcomes, type ReportBody } from '../core/runOutcome.js';
import { normaliseOrganizationCode, organizationCode } from '../core/organizationCode.js';
import { newRunId } from '../ids.js';
import { announceRunEnded } from './runAnnouncements.js';
import type { ImportRequest, ThresholdPolicy } from './importRequest.js';
import { type Decided, type LockedRunPorts, planUnderLock } from './importUnderLock.js';
import type { Repositories } from './ports.js';
import { loadStoredReport } from './runReport.js';
import { RunCancelledError } from './runCancellation.js';

export type { ImportProgress, ImportRequest, ImportSource, ThresholdPolicy } from './importRequest.js';
export type { ImportReport } from '../core/runOutcome.js';
export type { RunStatus } from '../core/runLifecycle.js';

/** What one import run reads and writes: the steps' repositories, the lock, and the storage's error text. */
export type ImportPorts = LockedRunPorts & Pick<Repositories, 'lock' | 'transactions' | 'webhooks'>;

/** The run this attempt is for; `started` false when another attempt already finished it. */
interface StartedRun {
  runId: string;
  started: boolean;
  policy: ThresholdPolicy;
  /** Approvals finish from needs_approval; other runs from the repository's default (queued, running). */
  from?: readonly RunStatus[];
}

/** The file, read and shaped, with what the run history records about it. */
interface ReadFile {
  shaped: ShapedFile;
  organizationCode: string;
}

export async function runImport(repos: ImportPorts, req: ImportRequest): Promise<ImportReport> {
  const run = await startRun(repos, req);
  if (!run.started) return loadStoredReport(repos, run.runId);
  const body = emptyReportBody(run.runId, req);
  // The file is read while the lock is waited for and, once held, while the
  // stored departments load: on MySQL/MariaDB the load is mostly the server's
  // work (~0.4 s at 100,000 departments) that this process otherwise idled
  // through. That needs the organization before the file is read, other
  // connections beside the lock's (recordInput), and bytes at hand (a file, a
  // staged upload): else the file is read first, as a remote source always is.
  const reading = readFile(repos, run, req, body);
  const shaped = reading.then((f) => f.shaped);
  // Their failure is thrown where they are awaited (below, or under the lock), not as unhandled.
  shaped.catch(() => undefined);
  try {
    const early = repos.lock.concurrentWhileLocked && req.source.remote !== true ? organizationGiven(req.organizationCode) : undefined;
    const organization = early ?? (await reading).organizationCode;
    const decided = await repos.lock
      .withOrganizationLock(
        organization,
        (trx) =>
          planUnderLock(
            {
              repos,
              runId: run.runId,
              organizationCode: organization,
              options: req.options,
              policy: run.policy,
              ...(run.from ? { from: run.from } : {}),
              file: shaped,
              warnings: body.warnings,
              ...(req.onProgress ? { onProgress: req.onProgress } : {}),
              ...(req.actor ? { actor: req.actor } : {}),
            },
            trx,
          ),
        { timeoutSeconds: req.lockTimeoutSeconds ?? 600 },
      )
      // No run ends while its file is still being read (a lock that timed out, a run another attempt finished).
      .finally(() => reading.catch(() => undefined));
    const file = await reading;
    // Another attempt finished the run while this one waited for the lock.
    if (decided === null) return loadStoredReport(repos, run.runId);
    // Committed: the run's final status (or needs_approval) is stored. Never throws.
    await announceRunEnded(repos, run.runId);
    return finishReport(req, body, file, decided);
  } catch (err) {
    return failRun(repos, run, req, body, err);
  }
}

/** The organization's code as the request gives it (resolveOrganizationCode's answer whatever the file says), or undefined. */
function organizationGiven(given: string | undefined): string | undefined {
  if (given === undefined) return undefined;
  try {
    return resolveOrganizationCode(given, undefined);
  } catch {
    return undefined; // not a usable code: reported as the read reports it
  }
}

/** Step 1: create (or take over) the run. */
async function startRun({ runs }: Pick<Repositories, 'runs'>, req: ImportRequest): Promise<StartedRun> {
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
      ...(req.owner ? { owner: req.owner } : {}),
      ...(req.actor ? { submittedBy: req.actor } : {}),
    }));
  if (req.runId === undefined) req.onRunCreated?.(runId);
  const policy: ThresholdPolicy = opts.dryRun ? 'fail' : (req.overThreshold ?? 'fail');
  // An approval keeps the run needs_approval until its transaction commits, so
  // a crash half-way leaves it approvable. Otherwise the guarded start refuses
  // a run another attempt already finished (a re-delivered job).
  if (policy === 'approve') return { runId, started: true, policy, from: ['needs_approval'] };
  return { runId, started: await runs.startRun(runId, req.owner), policy };
}

function emptyReportBody(runId: string, req: ImportRequest): ReportBody {
  return {
    runId,
    organization: req.organizationCode ?? '',
    mode: req.options.mode,
    dryRun: req.options.dryRun,
    counts: emptyCounts(),
    errors: [],
    warnings: [],
    columns: [],
    failedRaw: new Map(),
    rowResults: [],
  };
}

/** Step 2: read and shape the file (bounded by the row limit), and record what it is. */
async function readFile({ runs }: Pick<Repositories, 'runs'>, run: StartedRun, req: ImportRequest, body: ReportBody): Promise<ReadFile> {
  const hash = createHash('sha256');
  async function* hashed(): AsyncIterable<Uint8Array> {
    for await (const chunk of req.source.bytes) {
      hash.update(chunk);
      yield chunk;
    }
  }
  const shaped = await readShapedRows(hashed(), req.options, {
    fileName: req.source.name,
    ...(req.maxRowsPerRun === undefined ? {} : { maxRowsPerRun: req.maxRowsPerRun }),
    onRowsRead: (rowsDone) => req.onProgress?.({ phase: 'reading', rowsDone }),
  });
  body.format = shaped.format;
  if (shaped.sheet !== undefined) body.sheet = shaped.sheet;
  body.columns = shaped.columns;
  body.warnings.push(...shaped.warnings);
  const code = resolveOrganizationCode(req.organizationCode, shaped.documentOrganization?.code, shaped.mappingOrganization);
  body.organization = code;
  await runs.recordInput(run.runId, { organizationCode: code, sha256: hash.digest('hex'), format: shaped.format, columns: shaped.columns });
  req.onProgress?.({ phase: 'planning', rowsDone: 0, rowsTotal: shaped.inputRows });
  return { shaped, organizationCode: code };
}

/** Step 4: the report of a run that got through its lock (applied, dry run, held or atomic abort). */
function finishReport(req: ImportRequest, body: ReportBody, file: ReadFile, { plan, outcome, preview }: Decided): ImportReport {
  body.warnings.push(...plan.warnings);
  req.onProgress?.({ phase: 'done', rowsDone: plan.counts.rows, rowsTotal: plan.counts.rows });
  return {
    ...body,
    counts: plan.counts,
    errors: plan.errors,
    rowResults: plan.rowResults,
    failedRaw: failedRecords(file.shaped, plan),
    ...(preview ? { plan: preview } : {}),
    ...outcome,
  };
}

/** A run that stopped on an error: a FileError fails the run with its code; anything else is thrown on. */
async function failRun({ runs, transactions, webhooks }: Pick<Repositories, 'runs' | 'transactions' | 'webhooks'>, run: StartedRun, req: ImportRequest, body: ReportBody, err: unknown): Promise<ImportReport> {
  const from = run.from ? { from: run.from } : {};
  if (err instanceof RunCancelledError) {
    // Interrupted on request (runCancellation.ts): the transaction rolled back; the run says so.
    await runs.cancelRun(run.runId, { code: err.code, message: err.message }).catch(() => undefined);
    await announceRunEnded({ runs, webhooks }, run.runId);
    err.runId = run.runId;
    throw err;
  }
  if (!isFileError(err)) {
    // Transient or internal. A queue worker retries and records the final
    // failure itself; an in-process caller (the CLI) asks for the run to be
    // closed now, so the history never shows it running forever.
    if (req.failRunOnError) {
      // Trimmed: a driver error's message carries the whole SQL statement.
      const error = { code: runFailureCodeOf(err), message: transactions.describeError(err) };
      await runs.finishRun(run.runId, { status: 'failed', counts: body.counts, error, warnings: body.warnings, ...from }).catch(() => undefined);
      await announceRunEnded({ runs, webhooks }, run.runId);
    }
    throw err;
  }
  const outcome = outcomes.failed({ code: err.code, message: err.message, ...(err.line === undefined ? {} : { line: err.line }) });
  await runs.finishRun(run.runId, { status: 'failed', counts: body.counts, error: outcome.fileError, warnings: body.warnings, ...from });
  await announceRunEnded({ runs, webhooks }, run.runId);
  return { ...body, ...outcome };
}

function resolveOrganizationCode(...texts: [given: string | undefined, inDocument: string | undefined, inMapping?: string]): string {
  // Compared and stored normalised (core/organizationCode.ts): 'coll ' is 'coll' on both databases.
  const [given, inDocument, inMapping] = texts.map((t) => (t === undefined ? undefined : normaliseOrganizationCode(t)));
  if (given && inDocument && given !== inDocument) {
    throw new FileError('DOCUMENT_ORGANIZATION_MISMATCH', `the file is for organization "${inDocument}", not "${given}"`);
  }
  const code = given ?? inDocument ?? inMapping;
  if (code && inMapping && code !== inMapping) {
    throw new FileError('DOCUMENT_ORGANIZATION_MISMATCH', `the mapping is for organization "${inMapping}", not "${code}"`);
  }
  if (!code) throw new FileError('ORGANIZATION_NOT_FOUND', 'no organization given: pass --org CODE');
  return organizationCode(code);
}
