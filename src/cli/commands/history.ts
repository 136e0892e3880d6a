/**
 * orgsync history --org X [--department REF] [--run RUN_ID] [--action A] [--limit N] [--json]:
 * what changed in an organization's departments, oldest first.
 */
import type { Command } from 'commander';
import { historyPage, resolveDepartmentRef } from '../../app/history.js';
import { findOrganization } from '../../app/organizations.js';
import { HISTORY_ACTIONS, isHistoryAction } from '../../core/history/changes.js';
import { parseHistoryCursor } from '../../core/history/cursor.js';
import { UsageError, withRepositories } from '../context.js';
import { formatTime, renderTable } from '../table.js';

interface HistoryFlags {
  org: string;
  department?: string;
  run?: string;
  action?: string;
  limit: string;
  after?: string;
  json?: boolean;
}

const print = (text: string): void => {
  process.stdout.write(`${text}\n`);
};

const compact = (v: unknown): string => (v === null || v === undefined ? '-' : JSON.stringify(v));

function positiveInt(flag: string, text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`${flag} must be a positive whole number, not "${text}"`);
  return n;
}

export function registerHistory(program: Command): void {
  program
    .command('history')
    .description("what changed in an organization's departments: per change, the action, before and after values, run and actor")
    .requiredOption('--org <code>', 'the organization')
    .option('--department <ref>', 'only this department (its id, code, openDepartmentId or name)')
    .option('--run <runId>', 'only the changes of this run')
    .option('--action <action>', `only this action: ${HISTORY_ACTIONS.join(', ')}`)
    .option('--limit <n>', 'at most this many changes (oldest first)', '100')
    .option('--after <cursor>', 'the changes after this point (the next page): a history id, or ID:DEPARTMENT inside a run\'s creates, as `more:` prints')
    .option('--json', 'print { items, nextAfter } as JSON')
    .action(async (flags: HistoryFlags) => {
      if (flags.action !== undefined && !isHistoryAction(flags.action)) throw new UsageError(`--action must be one of ${HISTORY_ACTIONS.join(', ')}, not "${flags.action}"`);
      const limit = positiveInt('--limit', flags.limit);
      const after = flags.after === undefined ? undefined : parseHistoryCursor(flags.after);
      if (flags.after !== undefined && !after) throw new UsageError(`--after must be a history id or ID:DEPARTMENT (as \`more: --after\` prints), not "${flags.after}"`);
      await withRepositories(async (repos) => {
        const org = await findOrganization(repos, flags.org);
        if (!org) throw new UsageError(`organization "${flags.org}" does not exist`);
        let departmentId: string | undefined;
        if (flags.department !== undefined) {
          departmentId = await resolveDepartmentRef(repos, org.id, flags.department);
          if (!departmentId) throw new UsageError(`organization "${flags.org}" has no department "${flags.department}"`);
        }
        const page = await historyPage(repos, {
          organization: org,
          ...(departmentId ? { departmentId } : {}),
          ...(flags.run ? { runId: flags.run } : {}),
          ...(flags.action && isHistoryAction(flags.action) ? { action: flags.action } : {}),
          ...(after === undefined ? {} : { after }),
          limit,
        });
        if (flags.json) return print(JSON.stringify(page));
        if (page.items.length === 0) return print('no changes recorded');
        print(
          renderTable(
            [
              { header: 'ID', value: (e) => String(e.id), right: true },
              { header: 'AT', value: (e) => formatTime(e.at) },
              { header: 'DEPARTMENT', value: (e) => e.departmentId },
              { header: 'ACTION', value: (e) => e.action },
              { header: 'RUN', value: (e) => e.runId ?? (e.requestId ? `request ${e.requestId}` : '-') },
              { header: 'ACTOR', value: (e) => e.actor },
              { header: 'BEFORE', value: (e) => compact(e.before) },
              { header: 'AFTER', value: (e) => compact(e.after) },
            ],
            page.items,
          ),
        );
        if (page.nextAfter !== null) print(`more: --after ${page.nextAfter}`);
      });
    });
}
