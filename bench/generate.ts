/**
 * Seeded, reproducible benchmark inputs: a random tree of realistic shape
 * (depth up to 10, 2-12 children per department), rows shuffled so that about
 * half of the children are listed before their parents.
 */
export interface Tree {
  parents: Int32Array; // -1 for a top-level department
  depths: Int32Array;
  order: Int32Array; // row order in the file
}

/** mulberry32: small, fast, good enough for shaping test data. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `roots` top-level departments (by default one per 5,000). */
export function randomTree(size: number, seed = 42, roots = Math.max(1, Math.round(size / 5000))): Tree {
  const rand = rng(seed);
  const parents = new Int32Array(size).fill(-1);
  const depths = new Int32Array(size);
  // Breadth-first growth: each department gets 2-12 children until the size is reached.
  let next = roots;
  for (let i = 0; next < size; i++) {
    if (i >= next) break;
    if (depths[i]! >= 9) continue;
    const kids = 2 + Math.floor(rand() * 11);
    for (let k = 0; k < kids && next < size; k++, next++) {
      parents[next] = i;
      depths[next] = depths[i]! + 1;
    }
  }
  const order = new Int32Array(size);
  for (let i = 0; i < size; i++) order[i] = i;
  for (let i = size - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  return { parents, depths, order };
}

export interface CsvVariant {
  /** Rows (department indexes) to leave out: a sync where they disappeared. */
  omit?: Set<number>;
  /** Departments whose description changes. */
  changed?: Set<number>;
  /** Department -> new parent. */
  moved?: Map<number, number>;
}

export function treeCsv(tree: Tree, variant: CsvVariant = {}): string {
  const lines: string[] = ['name,code,parentCode,description'];
  for (const i of tree.order) {
    if (variant.omit?.has(i)) continue;
    const p = variant.moved?.get(i) ?? tree.parents[i]!;
    const desc = variant.changed?.has(i) ? `Changed description of department ${i}` : `Description of department ${i}`;
    lines.push(`Department ${i},D${i},${p < 0 ? '' : `D${p}`},${desc}`);
  }
  return `${lines.join('\n')}\n`;
}

export interface ApiOrg {
  csv: string;
  /** Code of the department with exactly `descendants` descendants (S0). */
  subtreeRoot: string;
  /** Codes of its parent and of the other department of depth 1 it is moved to (and back). */
  parents: [string, string];
  /** Codes of departments that new departments may go under (depth at most 8). */
  postParents: string[];
}

/**
 * The organization of the API scenarios (bench/api.ts): a random tree of
 * `size - descendants - 1` departments (D0, D1, ...) plus one department S0
 * with exactly `descendants` descendants (S1, S2, ...; one root, same shape),
 * placed under a department of depth 1, so that moving S0 to another
 * department of depth 1 rewrites the path of `descendants` departments.
 */
export function apiOrg(size: number, descendants: number): ApiOrg {
  const main = randomTree(size - descendants - 1, 42);
  const sub = randomTree(descendants + 1, 43, 1);
  const depthOne: number[] = [];
  for (let i = 0; i < main.depths.length && depthOne.length < 2; i++) if (main.depths[i] === 1) depthOne.push(i);
  const parents: [string, string] = [`D${depthOne[0]}`, `D${depthOne[1]}`];
  const lines = [treeCsv(main).trimEnd()];
  for (let j = 0; j < sub.parents.length; j++) {
    const p = sub.parents[j]!;
    lines.push(`Subtree department ${j},S${j},${p < 0 ? parents[0] : `S${p}`},Description of subtree department ${j}`);
  }
  const postParents: string[] = [];
  for (let i = 0; i < main.depths.length; i++) if (main.depths[i]! <= 8) postParents.push(`D${i}`);
  return { csv: `${lines.join('\n')}\n`, subtreeRoot: 'S0', parents, postParents };
}

/** A department that is not in `i`'s subtree, so moving `i` under it makes no cycle. */
export function safeNewParent(tree: Tree, i: number, rand: () => number): number {
  for (;;) {
    const candidate = Math.floor(rand() * tree.parents.length);
    if (candidate === i || tree.depths[candidate]! >= 8) continue;
    let p = candidate;
    while (p >= 0 && p !== i) p = tree.parents[p]!;
    if (p !== i) return candidate;
  }
}

/** Picks `fraction` of the departments (leaves preferred for omission, so a sync removes whole leaves). */
export function pick(size: number, fraction: number, seed: number): number[] {
  const rand = rng(seed);
  const chosen = new Set<number>();
  const want = Math.max(1, Math.round(size * fraction));
  while (chosen.size < want) chosen.add(Math.floor(rand() * size));
  return [...chosen];
}

export function leaves(tree: Tree): number[] {
  const hasChild = new Uint8Array(tree.parents.length);
  for (const p of tree.parents) if (p >= 0) hasChild[p] = 1;
  const out: number[] = [];
  for (let i = 0; i < hasChild.length; i++) if (!hasChild[i]) out.push(i);
  return out;
}

export interface HrisExport {
  csv: string;
  /** Departments that have at least one employee (every prefix of their paths is one too). */
  departments: number;
}

/**
 * An HRIS employee export: one row per employee, in employee-id order (so a
 * department's rows are scattered through the file, as in a real export),
 * the department as a path (`Dept 0 > Dept 3 > Dept 41`) in DEPARTMENT, plus
 * columns orgsync does not map. Employees are spread uniformly over the
 * departments of a random tree (about 50 per department at the sizes the
 * bench uses, so every department appears).
 */
export function hrisCsv(employees: number, departments: number, seed = 99): HrisExport {
  const tree = randomTree(departments, seed);
  const paths: string[] = [];
  for (let i = 0; i < departments; i++) {
    // randomTree numbers parents before their children.
    const p = tree.parents[i]!;
    paths.push(p < 0 ? `Dept ${i}` : `${paths[p]} > Dept ${i}`);
  }
  const rand = rng(seed + 1);
  const used = new Uint8Array(departments);
  const lines: string[] = ['EMPLOYEE_ID,FULL_NAME,EMAIL,DEPARTMENT'];
  for (let k = 0; k < employees; k++) {
    const d = Math.floor(rand() * departments);
    used[d] = 1;
    const id = `E${String(k + 1).padStart(7, '0')}`;
    lines.push(`${id},Employee ${k + 1},${id.toLowerCase()}@example.com,${paths[d]}`);
  }
  // Departments named only as a prefix of another path are created too.
  for (let i = departments - 1; i >= 0; i--) if (used[i] && tree.parents[i]! >= 0) used[tree.parents[i]!] = 1;
  return { csv: `${lines.join('\n')}\n`, departments: used.reduce((n, u) => n + u, 0) };
}
