/**
 * Import runs over HTTP: the 202 answer, run status, the report, the errors.
 * Runs are the same records `orgsync runs` and `orgsync report` show.
 */
import { z } from 'zod';
import { RUN_STATUSES } from '../../../core/runLifecycle.js';
import { documented, queryBoolean } from './common.js';

const RUN_ID = 'run_01JC7A1B2C3D4E5F6G7H8J9K0M';
const links = (org: string, runId: string) => ({
  self: `/v1/organizations/${org}/imports/${runId}`,
  errors: `/v1/organizations/${org}/imports/${runId}/errors`,
  errors_csv: `/v1/organizations/${org}/imports/${runId}/errors?format=csv`,
  plan: `/v1/organizations/${org}/imports/${runId}/plan`,
});

const Links = z.strictObject({ self: z.string(), errors: z.string(), errors_csv: z.string(), plan: z.string() });
const PlanCounts = z
  .strictObject({ created: z.int(), updated: z.int(), moved: z.int(), deactivated: z.int(), membersOrphaned: z.int() })
  .describe('How many departments (members, for membersOrphaned) each action of the plan lists; page them with GET .../plan.');
// The statuses are declared once, with the transitions between them (core/runLifecycle.ts).
const RunStatus = z.enum(RUN_STATUSES);
const Counts = z.strictObject({
  rows: z.int(),
  created: z.int(),
  updated: z.int(),
  moved: z.int(),
  unchanged: z.int(),
  merged: z.int(),
  deactivated: z.int(),
  failed: z.int(),
  skipped: z.int(),
});
const counts = { rows: 3, created: 2, updated: 0, moved: 0, unchanged: 0, merged: 0, deactivated: 0, failed: 1, skipped: 0 };
const RunError = z.strictObject({ code: z.string(), message: z.string(), line: z.int().nullable() });
const Issue = z.strictObject({ row: z.int(), code: z.string(), field: z.string(), message: z.string(), key: z.string().nullable() });
const issue = { row: 3, code: 'PARENT_NOT_FOUND', field: 'parent', message: 'no department has code "MISSING", in the file or in the database', key: 'C' };

export const ImportAccepted = documented(
  'ImportAccepted',
  z.strictObject({
    runId: z.string(),
    status: RunStatus,
    duplicate: z.boolean().describe('True when an identical upload was still queued or running: this is that run.'),
    links: Links,
  }),
  [{ runId: RUN_ID, status: 'queued', duplicate: false, links: links('acme', RUN_ID) }],
);

export const ImportReport = documented(
  'ImportReport',
  z.strictObject({
    runId: z.string(),
    organization: z.string(),
    mode: z.enum(['upsert', 'sync']),
    dryRun: z.boolean(),
    status: RunStatus,
    applied: z.boolean().describe('Whether departments were written.'),
    counts: Counts,
    errors: z.array(Issue),
    warnings: z.array(z.string()),
    fileError: RunError.nullable().describe('Why the whole file failed, when it did (nothing was written).'),
    sheet: z.string().optional(),
    planCounts: PlanCounts.optional().describe('Dry runs and runs held for approval: the size of the plan (GET .../plan lists it).'),
    links: Links,
  }),
  [
    {
      runId: RUN_ID,
      organization: 'acme',
      mode: 'upsert',
      dryRun: false,
      status: 'completed_with_errors',
      applied: true,
      counts,
      errors: [issue],
      warnings: [],
      fileError: null,
      links: links('acme', RUN_ID),
    },
  ],
);

const runExample = {
  runId: RUN_ID,
  organization: 'acme',
  status: 'completed_with_errors' as const,
  mode: 'upsert' as const,
  dryRun: false,
  source: 'hris-export.csv',
  format: 'csv',
  counts,
  progress: { phase: 'done', rowsDone: 3, rowsTotal: 3 },
  error: null,
  warnings: [],
  attempts: 1,
  parentRunId: null,
  createdAt: '2025-11-02T08:21:40.120Z',
  startedAt: '2025-11-02T08:21:40.250Z',
  finishedAt: '2025-11-02T08:21:40.610Z',
  submittedBy: 'tok_01JC7A1B2C3D4E5F6G7H8J9K0P',
  approvedBy: null,
  approvedAt: null,
  links: links('acme', RUN_ID),
};

export const Run = documented(
  'ImportRun',
  z.strictObject({
    runId: z.string(),
    organization: z.string(),
    status: RunStatus,
    mode: z.enum(['upsert', 'sync']),
    dryRun: z.boolean(),
    source: z.string().describe('The uploaded file name, or the schedule\'s source.'),
    format: z.string().nullable(),
    counts: Counts.nullable().describe('Null until the run has planned.'),
    progress: z.unknown().nullable().describe('The last progress a worker reported: { phase, rowsDone, rowsTotal }.'),
    error: RunError.nullable(),
    warnings: z.array(z.string()),
    attempts: z.int(),
    parentRunId: z.string().nullable().describe('The run this one retries or approves.'),
    createdAt: z.string(),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
    submittedBy: z.string().nullable().describe('The token (tok_...) or `cli:<os user>` that started the run.'),
    approvedBy: z.string().nullable().describe('Who approved a held run: a token id or `cli:<os user>`.'),
    approvedAt: z.string().nullable(),
    plan: z
      .strictObject({ counts: PlanCounts })
      .nullable()
      .optional()
      .describe('GET of one run: the plan a dry run or a held run reviewed (null: the run has none). Not in listings.'),
    links: Links,
  }),
  [runExample],
);

export const RunList = documented('ImportRunList', z.strictObject({ data: z.array(Run) }), [{ data: [runExample] }]);

export const RunErrors = documented(
  'ImportRunErrors',
  z.strictObject({
    runId: z.string(),
    status: RunStatus,
    fileError: RunError.nullable(),
    rows: z.array(
      z.strictObject({
        row: z.int(),
        key: z.string(),
        action: z.enum(['failed', 'skipped']),
        errors: z.array(z.strictObject({ code: z.string(), field: z.string(), message: z.string() })),
        raw: z.record(z.string(), z.unknown()).describe('The record as it was read from the file.'),
        resolvedBy: z.string().nullable().describe('The retry run in which the row went through since (not in the fix-and-reimport CSV); null while it needs fixing.'),
      }),
    ),
  }),
  [
    {
      runId: RUN_ID,
      status: 'completed_with_errors',
      fileError: null,
      rows: [{ row: 3, key: 'C', action: 'failed', errors: [{ code: issue.code, field: issue.field, message: issue.message }], raw: { name: 'Child', code: 'C', parentCode: 'MISSING' }, resolvedBy: null }],
    },
  ],
);

export const RunParams = z.object({ org: z.string().min(1).max(191), runId: z.string().min(1).max(64) });

export const ImportQuery = z
  .object({
    wait: queryBoolean.optional().describe('Wait for the run to finish (up to `timeout` seconds) and answer 200 with its report.'),
    timeout: z.coerce.number().int().min(1).max(3600).optional().describe('Seconds to wait with `wait=true` (default 10; capped by the server).'),
    filename: z.string().min(1).max(255).optional().describe('The file name to record for a raw-body upload (helps format detection).'),
  })
  .catchall(z.string())
  .describe('Any import option of the CLI, e.g. `mode=sync`, `dry-run=true`, `parent-ref=code`, `max-deactivate=10%`.');

export const RunListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  status: RunStatus.optional(),
});

export const ErrorsQuery = z.object({
  format: z.enum(['json', 'csv']).default('json').describe('`csv`: the fix-and-reimport file, as `orgsync report --format csv` writes it.'),
});

const PlanAction = z.enum(['created', 'updated', 'moved', 'deactivated', 'membersOrphaned']);

export const PlanQuery = z.strictObject({
  action: PlanAction.default('deactivated').describe('Which entries of the plan to page.'),
  cursor: z
    .string()
    .regex(/^\d{1,9}$/)
    .default('0')
    .describe('nextCursor of the previous page.'),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

export const RunPlanPage = documented(
  'ImportRunPlanPage',
  z.strictObject({
    runId: z.string(),
    status: RunStatus,
    dryRun: z.boolean(),
    counts: PlanCounts,
    action: PlanAction,
    total: z.int(),
    items: z.array(z.record(z.string(), z.unknown())).describe('created: {id,name,code,parentPath}; updated: {id,name,path,changes:[{field,before,after}]}; moved: {id,name,fromParentPath,toParentPath,changes}; deactivated: {id,name,path,memberCount,activeChildren}; membersOrphaned: {memberId,leaves}.'),
    nextCursor: z.string().nullable(),
  }),
  [
    {
      runId: RUN_ID,
      status: 'needs_approval',
      dryRun: false,
      counts: { created: 0, updated: 1, moved: 0, deactivated: 1, membersOrphaned: 0 },
      action: 'deactivated',
      total: 1,
      items: [{ id: 'dept_01JC7A1B2C3D4E5F6G7H8J9K0N', name: 'Platform', path: 'Engineering > Platform', memberCount: 12, activeChildren: 2 }],
      nextCursor: null,
    },
  ],
);
