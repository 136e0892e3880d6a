/**
 * scripts/build.mjs bundles the CLI (our code with knex, mysql2, zod, yaml and commander)
 * so that start-up reads a few dozen files, not ~450, and keeps what must stay apart:
 * entry points at their paths, command modules and the xlsx reader as lazily loaded
 * chunks, and the packages that must not be bundled (native addons, Fastify, BullMQ) loaded
 * from node_modules.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli } from '../support/cli.js';

const work = mkdtempSync(join(tmpdir(), 'orgsync-cli-bundle-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const build = join(REPO_ROOT, 'dist/builds', readFileSync(join(REPO_ROOT, 'dist/current'), 'utf8').trim());

/** The text of a build file and of every file it imports statically, transitively. */
function staticallyLoaded(file: string, seen = new Map<string, string>()): Map<string, string> {
  if (seen.has(file)) return seen;
  const text = readFileSync(file, 'utf8');
  seen.set(file, text);
  for (const [, spec] of text.matchAll(/^(?:import|export)\b[^'"]*?(?:from\s*)?["'](\.{1,2}\/[^"']+)["']/gm)) {
    staticallyLoaded(resolve(dirname(file), spec!), seen);
  }
  return seen;
}

describe('the bundled build', () => {
  it('keeps src/cli/main.js and every job module at its path', () => {
    expect(existsSync(join(build, 'src/cli/main.js'))).toBe(true);
    const jobs = readdirSync(join(REPO_ROOT, 'jobs')).filter((f) => f.endsWith('.ts'));
    for (const job of jobs) expect({ job, built: existsSync(join(build, 'jobs', job.replace(/\.ts$/, '.js'))) }).toEqual({ job, built: true });
  });

  it('loads command modules, the xlsx reader and the HTTP server only when they are needed', () => {
    const atStart = [...staticallyLoaded(join(build, 'src/cli/main.js')).values()].join('\n');
    expect(atStart).toContain('function cliVersion(');
    const everything = readdirSync(build, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.js'))
      .map((f) => readFileSync(join(build, f), 'utf8'))
      .join('\n');
    for (const lazy of ['function registerImport(', 'function registerServe(', 'function readXlsx(', 'from "fastify"']) {
      expect({ lazy, inBuild: everything.includes(lazy), atStart: atStart.includes(lazy) }).toEqual({ lazy, inBuild: true, atStart: false });
    }
  });

  it('imports into SQLite without loading knex, mysql2, zod, yaml, commander or lodash from node_modules', async () => {
    const hooks = join(work, 'hooks.mjs');
    writeFileSync(
      hooks,
      `export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  if (/\\/node_modules\\/(knex|mysql2|zod|yaml|commander|lodash)\\//.test(r.url)) throw new Error('NOT_BUNDLED: loaded ' + r.url);
  return r;
}
`,
    );
    const guard = join(work, 'guard.mjs');
    writeFileSync(guard, `import { register } from 'node:module';\nregister(${JSON.stringify(`file://${hooks}`)});\n`);
    const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'warn', NODE_OPTIONS: `--import ${guard}`, ORGSYNC_SQLITE_PATH: join(work, 'bundle.sqlite') };
    const res = await runCli(['import', 'fixtures/authing-style.csv', '--org', 'acme', '--create-org'], env);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/created \d+/);
  });
});
