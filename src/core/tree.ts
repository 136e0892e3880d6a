/**
 * Stored departments as a nested tree, for `orgsync tree` and the HTTP tree route.
 */
import type { StoredDepartment } from './model.js';

export interface TreeNode {
  department: StoredDepartment;
  children: TreeNode[];
}

/** Children sorted by name (then id) so output is stable. */
export function buildTree(departments: readonly StoredDepartment[]): TreeNode[] {
  const nodes = new Map(departments.map((d) => [d.id, { department: d, children: [] as TreeNode[] }]));
  const roots: TreeNode[] = [];
  for (const node of nodes.values()) {
    const parent = node.department.parentId === null ? undefined : nodes.get(node.department.parentId);
    (parent ? parent.children : roots).push(node);
  }
  const sort = (list: TreeNode[]): void => {
    list.sort((a, b) => (a.department.name < b.department.name ? -1 : a.department.name > b.department.name ? 1 : a.department.id < b.department.id ? -1 : 1));
    for (const n of list) sort(n.children);
  };
  sort(roots);
  return roots;
}

/** An indented text rendering: `name [code] (inactive)`. */
export function renderTree(roots: readonly TreeNode[]): string {
  const lines: string[] = [];
  const walk = (nodes: readonly TreeNode[], prefix: string): void => {
    nodes.forEach((n, i) => {
      const last = i === nodes.length - 1;
      const d = n.department;
      const tags = [d.code ? `[${d.code}]` : '', d.isActive ? '' : '(inactive)'].filter(Boolean).join(' ');
      lines.push(`${prefix}${last ? '└─ ' : '├─ '}${d.name}${tags ? ` ${tags}` : ''}`);
      walk(n.children, `${prefix}${last ? '   ' : '│  '}`);
    });
  };
  walk(roots, '');
  return lines.join('\n');
}
