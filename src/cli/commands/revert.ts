/**
 * orgsync revert RUN_ID [--dry-run] [--force] [--max-deactivate N|P%] [--json]:
 * a new run that puts every department RUN_ID touched back as it was before
 * it (src/app/revertRun.ts). Runs in this process, under the organization's lock.
 * Over --max-deactivate it is held (needs_approval, exit 1) for `orgsync approve`.
 */
import type { Command } from 'commander';
import { type RevertReport, revertRun } from '../../app/revertRun.js';
import { parseDeactivationLimit } from '../../core/importOptions.js';
import { cliActor } from '../actor.js';
import { UsageError, withRepositories } from '../context.js';
import { EXIT } from '../render.js';

interface RevertFlags {
  dryRun?: boolean;
  force?: boolean;
  maxDeactivate?: string;
  json?: boolean;
}

function headline(r: RevertReport): string {
  if (r.status === 'needs_approval') {
    return r.dryRun
      ? `dry run: the revert of run ${r.revertedRunId} of ${r.organizationCode} (run ${r.runId}) would need approval: ${r.error?.message ?? ''}`
      : `held for approval: the revert of run ${r.revertedRunId} of ${r.organizationCode} is run ${r.runId}, waiting for "orgsync approve ${r.runId}": ${r.error?.message ?? ''}`;
  }
  return `${r.dryRun ? 'dry run: would revert' : 'reverted'} run ${r.revertedRunId} of ${r.organizationCode} as run ${r.runId}`;
}

function render(r: RevertReport): string {
  const c = r.counts;
  const lines = [
    headline(r),
    `  updated ${c.updated}, moved ${c.moved}, deactivated ${c.deactivated}, unchanged ${c.unchanged}, members added ${c.membersAdded ?? 0}, members removed ${c.membersRemoved ?? 0}`,
  ];
  if (r.overridden.length > 0) lines.push(`  --force: overwrote ${r.overridden.length} later change(s) to ${new Set(r.overridden.map((o) => o.departmentId)).size} department(s)`);
  return lines.join('\n');
}

export function registerRevert(program: Command): void {
  program
    .command('revert <runId>')
    .description('undo a run: a new run puts every department it touched back as it was before it (created ones are deactivated)')
    .option('--dry-run', 'plan the revert and record it as a dry run; write nothing')
    .option('--force', 'revert even when later runs or API writes changed the same departments (overwrites their changes)')
    .option('--max-deactivate <limit>', 'the most departments the revert may deactivate: a count or a percentage of the active ones', '20%')
    .option('--json', 'print the report as JSON')
    .action(async (runId: string, flags: RevertFlags) => {
      const limit = parseDeactivationLimit(flags.maxDeactivate ?? '20%');
      if (!limit) throw new UsageError(`--max-deactivate must be a count (e.g. 15) or a percentage (e.g. 20%), not "${flags.maxDeactivate}"`);
      await withRepositories(async (repos, config) => {
        const report = await revertRun(repos, {
          runId,
          dryRun: flags.dryRun ?? false,
          force: flags.force ?? false,
          maxDeactivate: limit,
          actor: cliActor(),
          lockTimeoutSeconds: config.database.lockTimeoutSeconds,
        });
        process.stdout.write(`${flags.json ? JSON.stringify(report) : render(report)}\n`);
        // Like an import held for approval (cli/render.ts): nothing was written, a person must decide.
        if (report.status === 'needs_approval') process.exitCode = EXIT.fileError;
      });
    });
}
