/**
 * orgsync schedule add|list|remove|run: scheduled syncs of a source (a file,
 * the newest file matching a glob, or an http(s) URL) into one organization.
 */
import type { Command } from 'commander';
import { InvalidSourceError } from '../../adapters/sources/index.js';
import { jobOptions } from '../../adapters/queue/index.js';
import { addSchedule, checkScheduleTargets, checkTimezone, listSchedules, removeSchedule, runScheduleForRun, ScheduleError, type ScheduleTiming } from '../../app/schedules.js';
import { waitForRun } from '../../app/waitForRun.js';
import { UsageError } from '../context.js';
import { withQueue, withRepositoriesAndQueue } from '../queueContext.js';
import { progressPrinter } from '../progress.js';
import { exitCodeOf, renderReport, reportJson } from '../render.js';
import { formatTime, renderTable } from '../table.js';
import { addImportOptions, type ImportFlags, importOptionsFromFlags } from '../importFlags.js';

interface AddFlags extends ImportFlags {
  name: string;
  source: string;
  cron?: string;
  every?: string;
  tz?: string;
}

const print = (text: string): void => {
  process.stdout.write(`${text}\n`);
};

function timingOf(flags: AddFlags): ScheduleTiming {
  if ((flags.cron === undefined) === (flags.every === undefined)) throw new UsageError('give exactly one of --cron and --every');
  if (flags.tz !== undefined && flags.cron !== undefined) checkTimezone(flags.tz);
  if (flags.cron !== undefined) return { cron: flags.cron, ...(flags.tz ? { tz: flags.tz } : {}) };
  const seconds = Number(flags.every);
  if (!Number.isInteger(seconds) || seconds < 1) throw new UsageError('--every must be a whole number of seconds');
  if (flags.tz) throw new UsageError('--tz goes with --cron');
  return { everySeconds: seconds };
}

/** How long `schedule run` waits for a worker to take and stage the sync (not for the import itself). */
const SYNC_JOB_WAIT_MS = 5 * 60_000;

function usage<T>(promise: Promise<T>): Promise<T> {
  return promise.catch((err: unknown) => {
    if (err instanceof ScheduleError || err instanceof InvalidSourceError) throw new UsageError(err.message);
    throw err;
  });
}

export function registerSchedule(program: Command): void {
  const schedule = program.command('schedule').description('scheduled syncs from a file, a directory or an http(s) URL');

  addImportOptions(
    schedule
      .command('add')
      .description('add (or replace) a schedule; its syncs run in sync mode unless --mode says otherwise')
      .requiredOption('--name <name>', 'schedule name')
      .requiredOption('--source <source>', 'a file, a directory glob (newest match), or an http(s) URL'),
    { defaultMode: 'sync' },
  )
    .option('--cron <pattern>', 'cron pattern, e.g. "0 2 * * *"')
    .option('--tz <zone>', 'time zone of the cron pattern, e.g. Europe/Zurich')
    .option('--every <seconds>', 'instead of --cron: every N seconds')
    .option('--json', 'print JSON (failures as { "error": { "code", "message" } })')
    .action(async (flags: AddFlags & { json?: boolean }) => {
      const timing = timingOf(flags);
      const options = importOptionsFromFlags({ ...flags, mode: flags.mode ?? 'sync' });
      await withRepositoriesAndQueue(async (repos, { queue, config }) => {
        const input = { name: flags.name, organizationCode: flags.org, source: flags.source, timing, options };
        const warnings = await usage(checkScheduleTargets(repos, config.sources, input));
        await usage(addSchedule(queue, jobOptions(config.queue), input));
        for (const warning of warnings) process.stderr.write(`orgsync: WARNING: ${warning}\n`);
        print(flags.json ? JSON.stringify({ name: flags.name, warnings }) : `scheduled ${flags.name}`);
      }, 'a schedule');
    });

  schedule
    .command('list')
    .description('list schedules')
    .option('--json', 'print JSON')
    .action(async (flags: { json?: boolean }) => {
      await withQueue(async ({ queue }) => {
        const all = await listSchedules(queue);
        if (flags.json) return print(JSON.stringify(all));
        if (all.length === 0) return print('no schedules');
        print(
          renderTable(
            [
              { header: 'NAME', value: (s) => s.name },
              { header: 'ORG', value: (s) => s.organizationCode },
              { header: 'WHEN', value: (s) => ('cron' in s.timing ? `cron "${s.timing.cron}"${s.timing.tz ? ` ${s.timing.tz}` : ''}` : `every ${s.timing.everySeconds}s`) },
              { header: 'NEXT', value: (s) => formatTime(s.next) },
              { header: 'SOURCE', value: (s) => s.source },
            ],
            all,
          ),
        );
      });
    });

  schedule
    .command('remove <name>')
    .description('remove a schedule')
    .action(async (name: string) => {
      await withQueue(async ({ queue }) => {
        await usage(removeSchedule(queue, name));
        print(`removed ${name}`);
      });
    });

  schedule
    .command('run <name>')
    .description('run a schedule now, once, as the scheduler would: prints the run id (with --wait, its report)')
    .option('--wait', 'wait for the run and print its report, like orgsync import')
    .option('--json', 'print JSON')
    .action(async (name: string, flags: { wait?: boolean; json?: boolean }) => {
      await withRepositoriesAndQueue(async (repos, ctx) => {
        const events = await ctx.events();
        const { runId } = await usage(runScheduleForRun(ctx.queue, events, jobOptions(ctx.config.queue), name, SYNC_JOB_WAIT_MS));
        if (!flags.wait) {
          const run = await repos.runs.getRun(runId);
          return print(flags.json ? JSON.stringify({ runId, status: run?.status ?? 'queued' }) : runId);
        }
        const report = await waitForRun(repos, runId, { events, onProgress: progressPrinter() });
        print(flags.json ? JSON.stringify(reportJson(report)) : renderReport(report, `schedule ${name}`));
        process.exitCode = exitCodeOf(report);
      }, 'running a schedule');
    });
}
