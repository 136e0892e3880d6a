/**
 * Scheduled syncs, as BullMQ job schedulers: stored in Redis, so they survive
 * worker restarts, and keyed by name (`sync:NAME`), so adding one twice or
 * starting many workers never duplicates it. Each firing adds a sync-source
 * job; whichever worker is free runs it.
 */
import type { JobsOptions, Queue, QueueEvents } from 'bullmq';
import { describeSource, openSource, parseSourceSpec } from '../adapters/sources/index.js';
import { type ImportOptions, importOptionsInput } from '../core/importOptions.js';
import { normaliseOrganizationCode } from '../core/organizationCode.js';
import { JOB_NAMES, type SyncSourcePayload, SyncSourcePayloadSchema, type SyncSourceResult } from './jobContracts.js';
import { OrgsyncError } from '../core/errors.js';
import type { Repositories } from './ports.js';

const SCHEDULER_PREFIX = 'sync:';

export class ScheduleError extends OrgsyncError {
  override readonly name = 'ScheduleError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('INVALID_SCHEDULE', message, { ...options });
  }
}

export type ScheduleTiming = { cron: string; tz?: string } | { everySeconds: number };

export interface ScheduleInput {
  name: string;
  organizationCode: string;
  /** A file path, a directory glob or an http(s) URL (adapters/sources/spec.ts). */
  source: string;
  timing: ScheduleTiming;
  options: ImportOptions;
}

export interface ScheduleInfo {
  name: string;
  organizationCode: string;
  /** Safe to print: URL credentials and query values masked. */
  source: string;
  timing: ScheduleTiming;
  /** When it fires next (ms since the epoch), if known. */
  next?: number;
  options: Record<string, unknown>;
}

export class InvalidTimezoneError extends OrgsyncError {
  override readonly name = 'InvalidTimezoneError';
  constructor(tz: string) {
    super('INVALID_TIMEZONE', `unknown time zone "${tz}": use an IANA name such as Europe/Zurich or UTC`);
  }
}

/** Refused here, in words, rather than by the cron library with its stack (or, worse, at the first firing). */
export function checkTimezone(tz: string): void {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
  } catch {
    throw new InvalidTimezoneError(tz);
  }
}

/**
 * What a schedule needs from the world, checked when it is added: its
 * organization exists (or the sync may create it). Returns warnings that do
 * not stop the schedule: the source cannot be read now (a share not mounted
 * yet, a server down): each firing tries again and records a failed run.
 */
export async function checkScheduleTargets(
  repos: Pick<Repositories, 'organizations'>,
  sources: Parameters<typeof openSource>[1],
  input: Pick<ScheduleInput, 'organizationCode' | 'source' | 'options'>,
): Promise<string[]> {
  const spec = parseSourceSpec(input.source);
  if (!input.options.createOrg && !(await repos.organizations.findByCode(normaliseOrganizationCode(input.organizationCode)))) {
    throw new ScheduleError(`organization "${input.organizationCode}" does not exist: create it first ("orgsync org create"), or pass --create-org`);
  }
  try {
    const opened = await openSource(spec, sources);
    // Only whether it opens: close it without reading it.
    (opened.bytes as { destroy?: () => void }).destroy?.();
    await opened.bytes[Symbol.asyncIterator]().return?.();
    return [];
  } catch (err) {
    return [`the source ${describeSource(spec)} cannot be read now (${(err as Error).message}); each sync will try again, and a failed one is recorded as a failed run`];
  }
}

function checkName(name: string): void {
  if (!/^[A-Za-z0-9_.-]{1,100}$/.test(name)) throw new ScheduleError(`schedule names use letters, digits, _ . - only (got "${name}")`);
}

export async function addSchedule(queue: Queue, jobOptions: JobsOptions, input: ScheduleInput): Promise<void> {
  checkName(input.name);
  parseSourceSpec(input.source); // refuse a bad source now rather than at 2 a.m.
  if ('cron' in input.timing && input.timing.tz !== undefined) checkTimezone(input.timing.tz);
  const data: SyncSourcePayload = {
    schedule: input.name,
    organizationCode: input.organizationCode,
    source: input.source,
    options: importOptionsInput(input.options) as Record<string, unknown>,
  };
  const repeat =
    'cron' in input.timing
      ? { pattern: input.timing.cron, ...(input.timing.tz ? { tz: input.timing.tz } : {}) }
      : { every: input.timing.everySeconds * 1000 };
  try {
    await queue.upsertJobScheduler(`${SCHEDULER_PREFIX}${input.name}`, repeat, { name: JOB_NAMES.syncSource, data, opts: jobOptions });
  } catch (err) {
    // BullMQ validates the cron pattern and time zone here.
    throw new ScheduleError(`cannot schedule "${input.name}": ${(err as Error).message}`);
  }
}

export async function listSchedules(queue: Queue): Promise<ScheduleInfo[]> {
  const schedulers = await queue.getJobSchedulers(0, -1, true);
  const out: ScheduleInfo[] = [];
  for (const s of schedulers) {
    if (!s.key.startsWith(SCHEDULER_PREFIX)) continue;
    const data = SyncSourcePayloadSchema.safeParse(s.template?.data);
    if (!data.success) continue;
    let source: string;
    try {
      source = describeSource(parseSourceSpec(data.data.source));
    } catch {
      source = '<invalid source>';
    }
    out.push({
      name: data.data.schedule,
      organizationCode: data.data.organizationCode,
      source,
      timing: s.pattern ? { cron: s.pattern, ...(s.tz ? { tz: s.tz } : {}) } : { everySeconds: (s.every ?? 0) / 1000 },
      ...(s.next === undefined ? {} : { next: s.next }),
      options: data.data.options,
    });
  }
  return out;
}

export async function removeSchedule(queue: Queue, name: string): Promise<void> {
  if (!(await queue.removeJobScheduler(`${SCHEDULER_PREFIX}${name}`))) throw new ScheduleError(`no schedule named "${name}"`);
}

/** Fires a schedule now, once, besides its timetable. Returns the job id. */
export async function runScheduleNow(queue: Queue, jobOptions: JobsOptions, name: string): Promise<string> {
  const scheduler = await queue.getJobScheduler(`${SCHEDULER_PREFIX}${name}`);
  const data = SyncSourcePayloadSchema.safeParse(scheduler?.template?.data);
  if (!scheduler || !data.success) throw new ScheduleError(`no schedule named "${name}"`);
  const job = await queue.add(JOB_NAMES.syncSource, data.data, jobOptions);
  return job.id ?? '';
}

/**
 * `schedule run NAME`: fires the schedule now through the scheduler's own
 * path (a sync-source job a worker runs) and waits for that job, which is
 * quick (fetch and stage), for the run it leaves: submitted, skipped or
 * failed (the source could not be read: stoppedSyncRun.ts). `ttlMs` bounds
 * the wait for a worker to take the job.
 */
export async function runScheduleForRun(
  queue: Queue,
  events: QueueEvents,
  jobOptions: JobsOptions,
  name: string,
  ttlMs: number,
): Promise<{ runId: string; skipped: boolean }> {
  const jobId = await runScheduleNow(queue, jobOptions, name);
  const job = await queue.getJob(jobId);
  if (!job) throw new ScheduleError(`the sync job ${jobId} of "${name}" vanished from the queue`);
  try {
    const result = (await job.waitUntilFinished(events, ttlMs)) as SyncSourceResult;
    if (result.runId === undefined) throw new ScheduleError(`the sync of "${name}" was skipped (${result.skipped ? result.reason : 'no run'})`);
    return { runId: result.runId, skipped: result.skipped };
  } catch (err) {
    // A sync that stopped on its source fails its job with "run ID: CODE: message" (jobs/syncSource.ts): the run is recorded.
    const recorded = /^run (\S+): /.exec((err as Error).message);
    if (recorded?.[1]) return { runId: recorded[1], skipped: false };
    if (err instanceof ScheduleError) throw err;
    throw new ScheduleError(`the sync of "${name}" (job ${jobId}) did not end with a run: ${(err as Error).message}`);
  }
}
