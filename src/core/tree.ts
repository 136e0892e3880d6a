/**
 * Stored departments as a nested tree, for `orgsync tree` and the HTTP tree route.
 *
 * Nothing here recurses: an organization can be as deep as the path column
 * allows (see plan/depthLimit.ts), and older data may be deeper still, so
 * every walk keeps its own stack. (A recursive text rendering failed from
 * depth 5,000; the HTTP route's nested response schema from depth 700.)
 */
import type { StoredDepartment } from './model.js';

export interface TreeNode {
  department: StoredDepartment;
  children: TreeNode[];
}

const byNameThenId = (a: TreeNode, b: TreeNode): number =>
  a.department.name < b.department.name ? -1 : a.department.name > b.department.name ? 1 : a.department.id < b.department.id ? -1 : 1;

/**
 * Children sorted by name (then id) so output is stable. A department whose
 * parent is not in the list (filtered out, or a broken reference) is shown at
 * the top level rather than lost.
 */
export function buildTree(departments: readonly StoredDepartment[]): TreeNode[] {
  const nodes = new Map(departments.map((d) => [d.id, { department: d, children: [] as TreeNode[] }]));
  const roots: TreeNode[] = [];
  for (const node of nodes.values()) {
    const parent = node.department.parentId === null ? undefined : nodes.get(node.department.parentId);
    (parent ? parent.children : roots).push(node);
  }
  roots.sort(byNameThenId);
  for (const node of nodes.values()) if (node.children.length > 1) node.children.sort(byNameThenId);
  return roots;
}

/** Nodes in depth-first order (a node, then its subtree), with their depth; `enter` false prunes a subtree. */
export function* depthFirst(roots: readonly TreeNode[], enter: (n: TreeNode) => boolean = () => true): Generator<{ node: TreeNode; level: number; last: boolean }> {
  const stack: { nodes: readonly TreeNode[]; next: number }[] = [{ nodes: roots.filter(enter), next: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (top.next >= top.nodes.length) {
      stack.pop();
      continue;
    }
    const node = top.nodes[top.next++]!;
    yield { node, level: stack.length - 1, last: top.next === top.nodes.length };
    if (node.children.length > 0) stack.push({ nodes: node.children.filter(enter), next: 0 });
  }
}

/**
 * Levels whose guide lines are drawn. Deeper lines would be mostly indentation
 * (a 5,000-deep chain: 37 MB of it); they get a `level N` marker instead.
 */
export const DRAWN_LEVELS = 64;

/** An indented text rendering: `name [code] (inactive)`. */
export function renderTree(roots: readonly TreeNode[]): string {
  const lines: string[] = [];
  // lastAt[i]: whether the ancestor at level i is its parent's last child (then no vertical line below it).
  const lastAt: boolean[] = [];
  for (const { node, level, last } of depthFirst(roots)) {
    lastAt.length = level;
    lastAt.push(last);
    const drawn = Math.min(level, DRAWN_LEVELS);
    // The prefix is rebuilt only up to the drawn levels, so a line costs O(DRAWN_LEVELS) at most.
    let prefix = '';
    for (let i = 0; i < drawn; i++) prefix += lastAt[i] ? '   ' : '│  ';
    const marker = level > DRAWN_LEVELS ? `… level ${level + 1} ` : '';
    const d = node.department;
    const tags = [d.code ? `[${d.code}]` : '', d.isActive ? '' : '(inactive)'].filter(Boolean).join(' ');
    lines.push(`${prefix}${marker}${last ? '└─ ' : '├─ '}${d.name}${tags ? ` ${tags}` : ''}`);
  }
  return lines.join('\n');
}

/**
 * The tree as JSON text, written with an explicit stack (JSON.stringify and
 * schema serializers recurse once per level). `open(node)` gives the node's
 * object text without its closing brace; `"children":[...]}` is appended.
 */
export function treeJson(roots: readonly TreeNode[], open: (n: TreeNode) => string, enter: (n: TreeNode) => boolean = () => true): string {
  const parts: string[] = ['['];
  let openLevels = 0; // nodes whose children array is open
  let first = true;
  for (const { node, level } of depthFirst(roots, enter)) {
    // Close the subtrees we have left: each closes its children array and itself.
    for (; openLevels > level; openLevels--) parts.push(']}');
    if (!first) parts.push(',');
    parts.push(open(node), ',"children":[');
    openLevels++;
    first = true;
    // The next node is either this one's first child (no comma) or follows a closed subtree (comma).
    const hasChildren = node.children.some(enter);
    if (!hasChildren) {
      parts.push(']}');
      openLevels--;
      first = false;
    }
  }
  for (; openLevels > 0; openLevels--) parts.push(']}');
  parts.push(']');
  return parts.join('');
}

/** What the streaming writer needs of a department. */
export interface StreamedNode {
  id: string;
  parentId: string | null;
  path: string;
}

/**
 * The tree as JSON text from departments arriving one by one in depth-first
 * order (a department, then its whole subtree: the order of their paths), so
 * a tree of any size is written holding only the chain of open ancestors.
 * `text(node)` gives the node's object without its closing brace;
 * `"children":[...]}` is appended. `keep(node)` false leaves out the node and
 * its subtree (the rows of which follow it and are skipped by path). A node
 * whose parent is not open (left out by the caller's depth or root, or a
 * broken reference) is written at the top level, as buildTree does.
 *
 * start() + push()... + end() is the whole text; each returns the next piece.
 */
export class TreeJsonStream<T extends StreamedNode> {
  /** Ids of the nodes whose children array is open, outermost first. */
  private readonly open: string[] = [];
  private comma = false;
  /** The path of a subtree being left out. */
  private skipping: string | null = null;

  constructor(
    private readonly text: (node: T) => string,
    private readonly keep: (node: T) => boolean = () => true,
  ) {}

  start(): string {
    return '[';
  }

  push(node: T): string {
    if (this.skipping !== null) {
      if (node.path.startsWith(`${this.skipping}/`)) return '';
      this.skipping = null;
    }
    if (!this.keep(node)) {
      this.skipping = node.path;
      return '';
    }
    let out = '';
    // Close the subtrees this node is not in: each closes its children array and itself.
    while (this.open.length > 0 && this.open[this.open.length - 1] !== node.parentId) {
      this.open.pop();
      out += ']}';
      this.comma = true;
    }
    if (this.comma) out += ',';
    out += `${this.text(node)},"children":[`;
    this.open.push(node.id);
    this.comma = false;
    return out;
  }

  end(): string {
    const out = ']}'.repeat(this.open.length);
    this.open.length = 0;
    return `${out}]`;
  }
}
