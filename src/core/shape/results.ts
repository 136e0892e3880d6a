/**
 * Folds what the shape stage decided on its own (rows it rejected, rows it
 * merged, how many records the file had) into the planner's report, so counts
 * and errors describe the file a person gave us, not the planner's rows.
 */
import type { ImportPlan } from '../model.js';
import type { ShapedInput } from './index.js';

/**
 * After this, `counts.rows` is the number of records in the file; for
 * aggregated shapes the actions (created, unchanged...) count departments,
 * `merged` counts rows that repeated a department. The planner's row results
 * keep their order (index i is planner row i); rejected rows come after them.
 */
export function addShapeResults(plan: ImportPlan, shaped: Pick<ShapedInput, 'rejected' | 'inputRows' | 'mergedRows'>): ImportPlan {
  // Issues found before planning (reading a value, grouping rows) carry no key yet: the row's key.
  for (const r of plan.rowResults) for (const issue of r.errors) issue.key ??= r.key;
  plan.counts.rows = shaped.inputRows;
  plan.counts.merged += shaped.mergedRows;
  if (shaped.rejected.length === 0) return plan;
  plan.counts.failed += shaped.rejected.length;
  for (const r of shaped.rejected) {
    plan.rowResults.push({ row: r.row, key: r.key, action: 'failed', errors: r.issues });
    plan.errors.push(...r.issues);
  }
  plan.errors.sort((a, b) => a.row - b.row);
  return plan;
}
