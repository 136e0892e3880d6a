/**
 * Submitting an import to the queue. The order is what makes an acknowledged
 * submission durable: (1) in one database transaction, the run row is written
 * `queued` and the input bytes are staged; (2) after the commit, the job is
 * added to Redis with job id = run id. If Redis loses the job, or is down at
 * step 2, the run is still `queued` in MySQL and a worker's orphan sweep adds
 * the job again; adding it twice is harmless because the job id is the run id.
 *
 * Idempotent: while a run with the same bytes, options, organization and job
 * is queued or running, submitting again returns that run. The unique
 * active_submission_key column settles races between simultaneous submitters.
 */
import { createHash } from 'node:crypto';
import type { Queue } from 'bullmq';
import { type FileError, isFileError } from '../core/errors.js';
import type { ImportOptions } from '../core/importOptions.js';
import { normaliseOrganizationCode } from '../core/organizationCode.js';
import { newRunId } from '../ids.js';
import type { ImportSource } from './importService.js';
import { JOB_NAMES, type RunJobName, type RunJobPayload } from './jobContracts.js';
import type { Repositories, StagingKind, Tx } from './ports.js';

export type SubmitPorts = Pick<Repositories, 'runs' | 'staging' | 'transactions'>;

export interface SubmitDeps {
  repos: SubmitPorts;
  queue: Queue;
}

export interface SubmitRequest {
  organizationCode: string;
  source: ImportSource;
  options: ImportOptions;
  jobName?: RunJobName;
  /** The run a retry re-runs rows of. */
  parentRunId?: string;
  /** Who submits it (`tok_...`, `cli:<os user>`): recorded as submitted_by, so its submitter cannot approve it alone. */
  submittedBy?: string;
  /** More bytes staged with the input, in the same transaction (a retry's row map). */
  extraStaging?: readonly { kind: StagingKind; bytes: Buffer }[];
  /**
   * Decides, once the input is hashed and before anything is committed,
   * whether to submit at all: a reason to skip, or undefined. Runs inside the
   * submission's transaction (use `trx`).
   */
  skipIf?: (sha256: string, trx: Tx) => Promise<string | undefined>;
}

export type SubmitResult =
  | { kind: 'skipped'; reason: string }
  | {
      kind: 'submitted';
      runId: string;
      /** An identical submission was still queued or running: this is its run. */
      duplicate: boolean;
      /** False when Redis refused the job: the run waits, queued, for a worker's sweep to enqueue it. */
      enqueued: boolean;
      enqueueError?: string;
    }
  /**
   * The source failed as a file while it was staged (FILE_TOO_LARGE: a source
   * over ORGSYNC_SOURCE_MAX_BYTES, a gzip bomb): nothing was staged, and the
   * run is recorded failed with the code, so the history says what happened.
   */
  | { kind: 'rejected'; runId: string; code: string; message: string };

/** In-memory bytes as an import source. */
export function bufferSource(name: string, bytes: Buffer): ImportSource {
  return {
    name,
    bytes: (async function* () {
      yield bytes;
    })(),
  };
}

/** JSON with object keys sorted, so equal options always hash the same. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function submissionKey(parts: { organizationCode: string; sha256: string; options: ImportOptions; jobName: string; parentRunId?: string }): string {
  return createHash('sha256')
    .update(stableJson([normaliseOrganizationCode(parts.organizationCode), parts.sha256, parts.options, parts.jobName, parts.parentRunId ?? null]))
    .digest('hex');
}

/** Thrown inside the transaction to roll it back with an answer. */
class Answer extends Error {
  constructor(readonly result: { kind: 'skipped'; reason: string } | { kind: 'duplicate'; runId: string }) {
    super('rolled back');
  }
}

async function stageRun({ runs, staging, transactions }: SubmitPorts, req: SubmitRequest, runId: string, jobName: RunJobName): Promise<{ kind: 'created' } | Answer['result']> {
  let key: string | undefined;
  try {
    await transactions.transaction(async (trx) => {
      await runs.createRun(
        {
          id: runId,
          organizationCode: req.organizationCode,
          sourceName: req.source.name,
          mode: req.options.mode,
          options: req.options,
          dryRun: req.options.dryRun,
          status: 'queued',
          jobName,
          parentRunId: req.parentRunId ?? null,
          ...(req.submittedBy ? { submittedBy: req.submittedBy } : {}),
        },
        trx,
      );
      const { sha256 } = await staging.write(runId, 'input', req.source.bytes, trx);
      for (const extra of req.extraStaging ?? []) await staging.write(runId, extra.kind, [extra.bytes], trx);
      const reason = await req.skipIf?.(sha256, trx);
      if (reason !== undefined) throw new Answer({ kind: 'skipped', reason });
      key = submissionKey({ ...req, sha256, jobName });
      const existing = await runs.findActiveSubmission(key, trx);
      if (existing !== undefined) throw new Answer({ kind: 'duplicate', runId: existing });
      // Races with an identical submission end here: the loser gets a duplicate key error.
      await runs.claimSubmission(runId, sha256, key, trx);
    });
    return { kind: 'created' };
  } catch (err) {
    if (err instanceof Answer) return err.result;
    if (key !== undefined && transactions.isDuplicateKeyError(err)) {
      // An identical submission committed first: it is the run.
      const existing = await runs.findActiveSubmission(key);
      if (existing !== undefined) return { kind: 'duplicate', runId: existing };
    }
    throw err;
  }
}

/** A submission whose source failed as a file: a run, failed at once, with nothing staged. */
async function recordRejected({ runs, transactions }: SubmitPorts, req: SubmitRequest, runId: string, jobName: RunJobName, error: FileError): Promise<SubmitResult> {
  await transactions.transaction(async (trx) => {
    await runs.createRun(
      { id: runId, organizationCode: req.organizationCode, sourceName: req.source.name, mode: req.options.mode, options: req.options, dryRun: req.options.dryRun, jobName, parentRunId: req.parentRunId ?? null, ...(req.submittedBy ? { submittedBy: req.submittedBy } : {}) },
      trx,
    );
    await runs.failRun(runId, { code: error.code, message: error.message }, trx);
  });
  return { kind: 'rejected', runId, code: error.code, message: error.message };
}

export async function submitImport(deps: SubmitDeps, req: SubmitRequest): Promise<SubmitResult> {
  const jobName = req.jobName ?? JOB_NAMES.importDepartments;
  const created = newRunId();
  let staged: Awaited<ReturnType<typeof stageRun>>;
  try {
    staged = await stageRun(deps.repos, req, created, jobName);
  } catch (err) {
    // The staging transaction rolled back: whatever was staged of it is gone.
    if (isFileError(err)) return recordRejected(deps.repos, req, created, jobName, err);
    throw err;
  }
  if (staged.kind === 'skipped') return staged;
  const runId = staged.kind === 'created' ? created : staged.runId;
  const duplicate = staged.kind === 'duplicate';
  try {
    // Also for a duplicate: its submitter may have died between commit and add.
    const payload: RunJobPayload = { runId };
    await deps.queue.add(jobName, payload, { jobId: runId });
    return { kind: 'submitted', runId, duplicate, enqueued: true };
  } catch (err) {
    return { kind: 'submitted', runId, duplicate, enqueued: false, enqueueError: (err as Error).message };
  }
}
