/**
 * Stage 3 of the pipeline: plan. Pure: given the normalised rows and everything
 * stored for the organization, decide what to create, update, move and
 * deactivate, and what each row's outcome is. No I/O; ids come from `newId`.
 */
import { NO_ISSUES, type RowIssue } from '../errors.js';
import type { DepartmentUpdate, ImportPlan, Organization, RowResult, StoredDepartment } from '../model.js';
import { emptyCounts } from '../model.js';
import type { NormalisedRow } from '../normalise/normaliseRow.js';
import { type SettledTree, settleActiveRule } from './activeRule.js';
import { matchByName } from './byName.js';
import { addIssue, isTainted, PlanContext, type PlanOptions, rowKey } from './context.js';
import { changedFields } from './diff.js';
import { finaliseTree, type Tree } from './finalTree.js';
import { checkOrganization, indexFileKeys, matchByKeys, mergeIdenticalRows, resolveParents } from './match.js';
import { shareTextByKeys } from './sharedText.js';
import { completeLookup, type StoredLookup } from './storedLookup.js';

export type { PlanOptions } from './context.js';
export { DEFAULT_MAX_DEPTH, effectiveMaxDepth, MAX_STORABLE_DEPTH } from './depthLimit.js';
export { completeLookup, partialLookup, type StoredLookup } from './storedLookup.js';
export { lookupKeysOf, type RowLookupKeys } from './rowKeys.js';

export interface PlanInput {
  organization: Organization;
  rows: readonly NormalisedRow[];
  /**
   * The stored departments: an import's bulk load (a list, or completeLookup
   * of it), or a request's few rows (partialLookup: see storedLookup.ts).
   */
  stored: readonly StoredDepartment[] | StoredLookup;
  options: PlanOptions;
  newId: () => string;
}

export function planImport(input: PlanInput): ImportPlan {
  const stored = isLookup(input.stored) ? input.stored : completeLookup(input.stored);
  // Deactivating what a file leaves out needs every stored department.
  if (input.options.mode === 'sync' && !stored.complete) throw new Error('planImport: a sync needs every stored department (a complete lookup)');
  const storedByCode = shareTextByKeys(input.rows, stored);
  const ctx = new PlanContext(input.organization, input.options, input.newId, input.rows, stored, storedByCode);
  checkOrganization(ctx);
  mergeIdenticalRows(ctx);
  indexFileKeys(ctx);
  matchByKeys(ctx);
  resolveParents(ctx);
  matchByName(ctx);
  ctx.releaseFileKeys();
  for (const s of ctx.rows) {
    if (s.mergedInto === null && s.storedPosition < 0 && s.row.fields.name === undefined && !s.issues.some((i) => i.field === 'name')) {
      addIssue(s, 'NAME_REQUIRED', 'name', 'name is required for a new department');
    }
  }
  // The activity rule refuses rows, which changes the tree: built again until it holds (activeRule.ts).
  const settled = {
    tree: settleActiveRule(() => {
      const { tree, order } = finaliseTree(ctx);
      return { tree, order, deactivated: input.options.mode === 'sync' ? markDeactivations(ctx, tree, order) : new Set<number>() };
    }),
  };
  // treeOutcomes takes the tree out of its holder: garbage before the row
  // results are made, as are the indexes below.
  const outcomes = treeOutcomes(ctx, settled);
  ctx.releaseTree();
  if (!isLookup(input.stored)) stored.releaseIndexes();
  return buildPlan(ctx, outcomes);
}

function isLookup(stored: PlanInput['stored']): stored is StoredLookup {
  return !Array.isArray(stored);
}

/**
 * Sync mode: stored active departments absent from the file are deactivated, except
 * those a failed row may stand for (never lose data because of a typo) and the
 * ancestors of departments the file keeps.
 */
function markDeactivations(ctx: PlanContext, tree: Tree, order: Int32Array): Set<number> {
  const keep = new Set<string>();
  for (const s of ctx.rowByStored) if (s !== undefined && s.storedPosition >= 0) keep.add(ctx.stored.at(s.storedPosition).id);
  for (const s of ctx.rows) {
    if (s.storedPosition >= 0 || !isTainted(s)) continue;
    const { code, openDepartmentId, name } = s.row.fields;
    for (const d of [
      s.row.id === undefined ? undefined : ctx.stored.byId(s.row.id),
      code == null ? undefined : ctx.stored.byCode(code),
      openDepartmentId == null ? undefined : ctx.stored.byOpenDepartmentId(openDepartmentId),
      name === undefined ? undefined : ctx.stored.byName(name),
    ]) {
      if (d) keep.add(d.id);
    }
  }
  // The ancestors of every department the file lists: live rows, and the departments failed rows
  // stand for (kept above, but their ancestors were deactivated: a walk stopped at any kept one).
  const above = new Uint8Array(tree.size);
  for (let i = 0; i < order.length; i++) {
    const e = order[i]!;
    const stored = tree.stored(e);
    if (tree.row[e] === null && (stored === null || !keep.has(stored.id))) continue;
    for (let p = tree.parent[e]!; p >= 0 && above[p] === 0; p = tree.parent[p]!) {
      above[p] = 1;
      const ps = tree.stored(p);
      if (ps) keep.add(ps.id);
    }
  }
  const deactivated = new Set<number>();
  for (let i = 0; i < order.length; i++) {
    const e = order[i]!;
    const stored = tree.stored(e);
    const after = tree.placed(e);
    if (tree.row[e] !== null || !stored || !after.isActive || keep.has(stored.id)) continue;
    tree.after[e] = { ...after, isActive: false };
    deactivated.add(e);
  }
  return deactivated;
}

interface TreeOutcomes {
  creates: StoredDepartment[];
  updates: DepartmentUpdate[];
  deactivations: DepartmentUpdate[];
  /** By row index, an index into PLACED_ACTIONS (0: not placed): one byte a row, not a slot and a Map entry. */
  actionByRow: Uint8Array;
}

/** What a placed row did, as treeOutcomes codes it in actionByRow. */
const PLACED_ACTIONS = [undefined, 'created', 'unchanged', 'moved', 'updated'] as const satisfies readonly (RowResult['action'] | undefined)[];
const CREATED = 1;
const UNCHANGED = 2;
const MOVED = 3;
const UPDATED = 4;

/**
 * What the tree says: the writes, and each placed row's action. Takes the
 * settled tree out of its holder, so that its columns (~40 bytes a
 * department) and the row states they hold are garbage before the row
 * results (~80 bytes a row) are made: planning's peak is then the larger of
 * the two, not their sum. (A holder, not the argument alone: a heap snapshot
 * showed the tree still alive after treeOutcomes(ctx, settle()) returned.)
 */
function treeOutcomes(ctx: PlanContext, holder: { tree: SettledTree | undefined }): TreeOutcomes {
  const settled = holder.tree;
  holder.tree = undefined;
  if (settled === undefined) throw new Error('planner invariant broken: the tree was taken already');
  const { tree, order, deactivated } = settled;
  // The creates' list made at its size: grown by push, a million new departments
  // left ~12 MB of its earlier copies in the old generation.
  let creating = 0;
  for (let i = 0; i < order.length; i++) if (tree.stored(order[i]!) === null) creating++;
  const out: TreeOutcomes = { creates: new Array<StoredDepartment>(creating), updates: [], deactivations: [], actionByRow: new Uint8Array(ctx.rows.length) };
  let created = 0;
  for (let i = 0; i < order.length; i++) {
    const e = order[i]!;
    const after = tree.placed(e);
    const stored = tree.stored(e);
    const row = tree.row[e] ?? null;
    if (stored === null) {
      out.creates[created++] = after;
      if (row !== null) out.actionByRow[row.idx] = CREATED;
      continue;
    }
    const changed = changedFields(stored, after);
    if (row !== null) out.actionByRow[row.idx] = changed.length === 0 ? UNCHANGED : changed.includes('parentId') ? MOVED : UPDATED;
    if (changed.length === 0) continue;
    const update = { before: stored, after, changed };
    if (deactivated.has(e)) out.deactivations.push(update);
    else out.updates.push(update);
  }
  return out;
}

function buildPlan(ctx: PlanContext, outcomes: TreeOutcomes): ImportPlan {
  const { creates, updates, deactivations, actionByRow } = outcomes;

  const counts = emptyCounts();
  const states = ctx.takeRows();
  counts.rows = states.length;
  counts.deactivated = deactivations.length;
  const errors: RowIssue[] = [];
  const rowResults = new Array<RowResult>(states.length);
  for (let i = 0; i < states.length; i++) {
    const s = states[i]!;
    // Dropped as its result is made: the row states (~120 bytes a row) and the
    // results (~75) are then not all alive at once, planning's last peak.
    states[i] = undefined;
    const key = rowKey(s);
    let result: RowResult;
    if (s.mergedInto !== null) {
      result = { row: s.row.row, key, action: 'merged', mergedInto: s.mergedInto.row.row, errors: NO_ISSUES };
    } else if (isTainted(s)) {
      result = { row: s.row.row, key, action: s.skipped ? 'skipped' : 'failed', errors: s.issues };
      errors.push(...s.issues);
    } else {
      const action = PLACED_ACTIONS[actionByRow[s.idx]!];
      // Every live row is placed in the tree by finaliseTree (which gives it its final id); this guards the invariant.
      if (!action || s.finalId === null) throw new Error(`planner invariant broken: row ${s.row.row} was not placed`);
      result = { row: s.row.row, key, action, departmentId: s.finalId, errors: NO_ISSUES };
    }
    counts[result.action]++;
    rowResults[i] = result;
  }
  errors.sort((a, b) => a.row - b.row);
  // Which rule a `root`/`null` parent reference followed, when it was not the top level.
  const warnings = [...ctx.rootWordsMatched].map(
    ([value, { row, count }]) =>
      `row ${row}${count > 1 ? ` (and ${count - 1} more)` : ''}: the parent reference "${value}" is the department with that key, not the top level (a department has the key "${value}")`,
  );
  return { creates, updates, deactivations, rowResults, errors, counts, warnings };
}

/** The most a sync may deactivate: a count, or a percentage of the active departments. */
export type DeactivationLimit = { kind: 'count'; value: number } | { kind: 'percent'; value: number };

export function deactivationLimit(limit: DeactivationLimit, activeCount: number): number {
  return limit.kind === 'count' ? limit.value : Math.floor((activeCount * limit.value) / 100);
}
