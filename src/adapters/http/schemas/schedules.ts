/** Scheduled syncs: a source fetched and imported on a timetable (the CLI's `orgsync schedule`). */
import { z } from 'zod';
import { documented } from './common.js';

export const ScheduleParams = z.object({
  org: z.string().min(1).max(191),
  name: z.string().min(1).max(100).describe('Letters, digits, `_`, `.` and `-`.'),
});

export const PutScheduleBody = documented(
  'PutScheduleBody',
  z
    .strictObject({
      source: z.string().min(1).max(2048).describe('A file path or directory glob on the workers, or an http(s) URL.'),
      cron: z.string().min(1).max(100).optional().describe('A cron pattern, e.g. `0 2 * * *`.'),
      tz: z.string().min(1).max(64).optional().describe('The cron pattern\'s time zone, e.g. `Europe/Zurich`.'),
      everySeconds: z.int().positive().optional().describe('Instead of `cron`: fire every this many seconds.'),
      options: z
        .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
        .optional()
        .describe('Import options, named like the CLI flags (default: `mode: sync`).'),
    })
    .refine((b) => (b.cron === undefined) !== (b.everySeconds === undefined), { message: 'give either cron or everySeconds', path: ['cron'] }),
  [
    { source: 'https://hris.example.com/export/departments.csv', cron: '0 2 * * *', tz: 'Europe/Zurich', options: { mode: 'sync', 'max-deactivate': '10%' } },
    { source: '/srv/exports/acme/*.csv', everySeconds: 3600 },
  ],
);

const scheduleExample = {
  name: 'nightly',
  organization: 'acme',
  source: 'https://hris.example.com/export/departments.csv',
  timing: { cron: '0 2 * * *', tz: 'Europe/Zurich' },
  next: '2025-11-03T01:00:00.000Z',
  options: { mode: 'sync', dryRun: false, atomic: false, parentRef: 'auto', matchBy: 'auto', maxDeactivate: '10%', createOrg: false, nameScope: 'organization' },
};

export const Schedule = documented(
  'Schedule',
  z.strictObject({
    name: z.string(),
    organization: z.string(),
    source: z.string().describe('Credentials and query values in URLs are masked.'),
    timing: z.union([z.strictObject({ cron: z.string(), tz: z.string().optional() }), z.strictObject({ everySeconds: z.number() })]),
    next: z.string().nullable().describe('When it fires next.'),
    options: z.record(z.string(), z.unknown()).describe('Every import option the sync runs with.'),
  }),
  [scheduleExample],
);

export const ScheduleList = documented('ScheduleList', z.strictObject({ data: z.array(Schedule) }), [{ data: [scheduleExample] }]);
