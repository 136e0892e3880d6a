/**
 * What `orgsync import` loads at start-up: the modules reachable from the
 * import command through static imports. The .xlsx reader (fflate) and the
 * report writers (csv-stringify, fflate) are loaded only when a run needs them
 * (a workbook, --report, --plan-report), by dynamic import: every module
 * loaded at start-up costs every import its resolution and compilation.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Static import specifiers (type-only imports are erased, so they do not count). */
function staticImports(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of source.matchAll(/^\s*(import|export)\s+(type\s+)?[^'";]*?\bfrom\s+'([^']+)'/gm)) if (!m[2]) out.push(m[3]!);
  for (const m of source.matchAll(/^\s*import\s+'([^']+)'/gm)) out.push(m[1]!);
  return out;
}

/** Every file and package reachable from `entry` through static imports. */
function reachable(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const todo = [entry];
  while (todo.length > 0) {
    const file = todo.pop()!;
    if (files.has(file)) continue;
    files.add(file);
    for (const specifier of staticImports(file)) {
      if (!specifier.startsWith('.')) {
        packages.add(specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/'));
        continue;
      }
      const target = resolve(dirname(file), specifier).replace(/\.js$/, '.ts');
      if (existsSync(target)) todo.push(target);
    }
  }
  return { files, packages };
}

describe('orgsync import start-up', () => {
  const { files, packages } = reachable(join(ROOT, 'src/cli/commands/import.ts'));
  const relativeFiles = [...files].map((f) => f.slice(ROOT.length + 1));

  it('reaches the CSV reader and the database through static imports (the walk itself works)', () => {
    expect(relativeFiles).toContain('src/core/read/csv.ts');
    expect(relativeFiles).toContain('src/cli/context.ts');
    expect(packages).toContain('knex');
  });

  it('does not load the workbook reader or the report writers', () => {
    expect([...packages].filter((p) => ['fflate', 'csv-stringify'].includes(p))).toEqual([]);
    expect(relativeFiles.filter((f) => f.startsWith('src/core/read/xlsx') || f.startsWith('src/core/report/'))).toEqual([]);
  });
});
