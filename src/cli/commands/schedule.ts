/**
 * orgsync schedule add|list|remove|run: scheduled syncs of a source (a file,
 * the newest file matching a glob, or an http(s) URL) into one organization.
 */
import type { Command } from 'commander';
import { InvalidSourceError } from '../../adapters/sources/index.js';
import { jobOptions } from '../../adapters/queue/index.js';
import { addSchedule, listSchedules, removeSchedule, runScheduleNow, ScheduleError, type ScheduleTiming } from '../../app/schedules.js';
import { UsageError } from '../context.js';
import { withQueue } from '../queueContext.js';
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
  if (flags.cron !== undefined) return { cron: flags.cron, ...(flags.tz ? { tz: flags.tz } : {}) };
  const seconds = Number(flags.every);
  if (!Number.isInteger(seconds) || seconds < 1) throw new UsageError('--every must be a whole number of seconds');
  if (flags.tz) throw new UsageError('--tz goes with --cron');
  return { everySeconds: seconds };
}

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
  )
    .option('--cron <pattern>', 'cron pattern, e.g. "0 2 * * *"')
    .option('--tz <zone>', 'time zone of the cron pattern, e.g. Europe/Zurich')
    .option('--every <seconds>', 'instead of --cron: every N seconds')
    .action(async (flags: AddFlags) => {
      const timing = timingOf(flags);
      const options = importOptionsFromFlags({ ...flags, mode: flags.mode ?? 'sync' });
      await withQueue(async ({ queue, config }) => {
        await usage(addSchedule(queue, jobOptions(config.queue), { name: flags.name, organizationCode: flags.org, source: flags.source, timing, options }));
        print(`scheduled ${flags.name}`);
      });
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
        for (const s of all) {
          const when = 'cron' in s.timing ? `cron "${s.timing.cron}"${s.timing.tz ? ` ${s.timing.tz}` : ''}` : `every ${s.timing.everySeconds}s`;
          const next = s.next === undefined ? '' : `\tnext ${new Date(s.next).toISOString()}`;
          print(`${s.name}\t${s.organizationCode}\t${when}\t${s.source}${next}`);
        }
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
    .description('run a schedule now, once')
    .action(async (name: string) => {
      await withQueue(async ({ queue, config }) => {
        const jobId = await usage(runScheduleNow(queue, jobOptions(config.queue), name));
        print(`queued sync ${name} (job ${jobId})`);
      });
    });
}
