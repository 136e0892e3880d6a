/**
 * Scheduled syncs, as BullMQ job schedulers: stored in Redis, so they survive
 * worker restarts, and keyed by name (`sync:NAME`), so adding one twice or
 * starting many workers never duplicates it. Each firing adds a sync-source
 * job; whichever worker is free runs it.
 */
import type { JobsOptions, Queue } from 'bullmq';
import { describeSource, parseSourceSpec } from '../adapters/sources/index.js';
import { type ImportOptions, importOptionsInput } from '../core/importOptions.js';
import { JOB_NAMES, type SyncSourcePayload, SyncSourcePayloadSchema } from './jobContracts.js';
import { OrgsyncError } from '../core/errors.js';

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

function checkName(name: string): void {
  if (!/^[A-Za-z0-9_.-]{1,100}$/.test(name)) throw new ScheduleError(`schedule names use letters, digits, _ . - only (got "${name}")`);
}

export async function addSchedule(queue: Queue, jobOptions: JobsOptions, input: ScheduleInput): Promise<void> {
  checkName(input.name);
  parseSourceSpec(input.source); // refuse a bad source now rather than at 2 a.m.
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
