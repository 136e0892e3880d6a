/**
 * `orgsync approve RUN_ID` and POST .../imports/{runId}/approve: applies the
 * plan a sync held because it would deactivate more departments than its
 * threshold allows. Exactly that plan, and only if the organization's
 * departments are unchanged since it was made; otherwise the run is planned
 * again, held again, and the report says so. In-process, in one transaction:
 * a crash leaves the run needs_approval. A held revert is approved the same
 * way, planned again from the history instead of an input (revertApproval.ts).
 *
 * Who may approve (docs/operations.md, "Approval workflow"): the operator at
 * the command line, the global admin token, an organization token with the
 * admin role or created with --can-approve; never the token that submitted
 * the run, unless ORGSYNC_ALLOW_SELF_APPROVAL=true (four eyes by default).
 */
import type { ImportPorts, ImportReport } from './importService.js';
import { executeQueuedRun } from './queuedRun.js';
import { RunNotFoundError } from './runReport.js';
import type { Principal } from './tokens.js';
import { OrgsyncError } from '../core/errors.js';
import type { ImportRunRecord } from './ports.js';
import { approveRevert, revertOptionsOf } from './revertApproval.js';

export class ApprovalNotPossibleError extends OrgsyncError {
  override readonly name = 'ApprovalNotPossibleError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('RUN_NOT_APPROVABLE', message, { ...options });
  }
}

export class ApprovalNotAllowedError extends OrgsyncError {
  override readonly name = 'ApprovalNotAllowedError';
  constructor(message: string) {
    super('APPROVAL_NOT_ALLOWED', message);
  }
}

/** Who approves: the operator at the command line (`cli:<os user>`), or an API token. */
export type Approver = { kind: 'operator'; actor: string } | { kind: 'token'; principal: Principal };

export interface ApproveOptions {
  lockTimeoutSeconds: number;
  approver: Approver;
  /** ORGSYNC_ALLOW_SELF_APPROVAL: the submitting token may approve its own run. */
  allowSelfApproval?: boolean;
}

/** Throws unless `approver` may approve `run`. */
export function checkApprover(run: Pick<ImportRunRecord, 'id' | 'submittedBy'>, approver: Approver, allowSelfApproval: boolean): void {
  if (approver.kind === 'operator') return;
  const { principal } = approver;
  if (!principal.canApprove) {
    throw new ApprovalNotAllowedError(`token ${principal.tokenId} (role ${principal.role}) may not approve runs: approving needs the admin role, the global admin token, or a token created with --can-approve`);
  }
  if (!allowSelfApproval && run.submittedBy === principal.tokenId) {
    throw new ApprovalNotAllowedError(`token ${principal.tokenId} submitted run ${run.id}, so another token must approve it (or set ORGSYNC_ALLOW_SELF_APPROVAL=true)`);
  }
}

export function approverId(approver: Approver): string {
  return approver.kind === 'operator' ? approver.actor : approver.principal.tokenId;
}

export async function approveRun(repos: ImportPorts, runId: string, opts: ApproveOptions): Promise<ImportReport> {
  const run = await repos.runs.getRun(runId);
  if (!run) throw new RunNotFoundError(runId);
  if (run.dryRun) throw new ApprovalNotPossibleError(`run ${runId} is a dry run: it wrote nothing and cannot be approved; run the import without --dry-run`);
  if (run.status !== 'needs_approval') {
    throw new ApprovalNotPossibleError(`run ${runId} is ${run.status}: only a run that needs approval can be approved`);
  }
  checkApprover(run, opts.approver, opts.allowSelfApproval ?? false);
  // A held revert has no input to plan from again: it re-plans from the history (revertApproval.ts).
  const revert = revertOptionsOf(run);
  if (revert && !repos.history) throw new ApprovalNotPossibleError(`run ${runId} is a revert: approving it needs the department history`);
  if (revert && repos.history) return approveRevert({ ...repos, history: repos.history }, run, revert, { actor: approverId(opts.approver), lockTimeoutSeconds: opts.lockTimeoutSeconds });
  return executeQueuedRun(repos, runId, { lockTimeoutSeconds: opts.lockTimeoutSeconds, approve: true, actor: approverId(opts.approver) });
}
