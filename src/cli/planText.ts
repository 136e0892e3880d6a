/**
 * The plan of a dry run or a held run as a person reviews it in a terminal:
 * grouped by action, each group cut at MAX_PLAN_SHOWN with the count of the
 * rest and where the complete list is (--plan-report, GET .../plan).
 */
import type { FieldChange, PlanPreview } from '../core/plan/preview.js';

export const MAX_PLAN_SHOWN = 20;

const TOP = '(top level)';
const shownPath = (path: string): string => (path === '' ? TOP : path);

function value(v: unknown): string {
  if (v === null || v === undefined) return '∅';
  return typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v);
}

function changesText(changes: readonly FieldChange[]): string {
  return changes.map((c) => `${c.field}: ${value(c.before)} → ${value(c.after)}`).join('; ');
}

function group<T>(lines: string[], title: string, items: readonly T[], line: (item: T) => string, more: string): void {
  if (items.length === 0) return;
  lines.push(`  ${title} (${items.length.toLocaleString('en-US')}):`);
  for (const item of items.slice(0, MAX_PLAN_SHOWN)) lines.push(`    ${line(item)}`);
  const rest = items.length - MAX_PLAN_SHOWN;
  if (rest > 0) lines.push(`    … and ${rest.toLocaleString('en-US')} more: ${more}`);
}

/** `more`: where the complete plan is, e.g. "see --plan-report FILE". */
export function renderPlan(plan: PlanPreview, more: string): string[] {
  const lines: string[] = [];
  const total = plan.created.length + plan.updated.length + plan.moved.length + plan.deactivated.length + plan.membersOrphaned.length;
  if (total === 0) return ['  Plan: no department would change.'];
  lines.push('  Plan:');
  group(lines, 'Would create', plan.created, (c) => `+ ${c.name}${c.code ? ` [${c.code}]` : ''} under ${shownPath(c.parentPath)}`, more);
  group(lines, 'Would update', plan.updated, (u) => `~ ${u.path}: ${changesText(u.changes)}`, more);
  group(
    lines,
    'Would move',
    plan.moved,
    (m) => `> ${m.name}: ${shownPath(m.fromParentPath)} → ${shownPath(m.toParentPath)}${m.changes.length > 0 ? `; ${changesText(m.changes)}` : ''}`,
    more,
  );
  group(lines, 'Would deactivate', plan.deactivated, (d) => `- ${d.path} (${d.memberCount} direct members, ${d.activeChildren} active children)`, more);
  group(lines, 'Members left without a department', plan.membersOrphaned, (m) => `! ${m.memberId} (leaves ${m.leaves.join(', ')})`, more);
  return lines;
}
