/**
 * The CLI ships as compiled JavaScript: bin/orgsync.js runs dist/ (scripts/build.mjs)
 * without tsx, `--version` prints package.json's version, and a build is never stale:
 * changed sources make a new build that the next CLI start runs, two builds at once both
 * succeed, and a syntax error fails the build with the file and line.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type CliResult, REPO_ROOT, runCli, runNode } from '../support/cli.js';

const work = mkdtempSync(join(tmpdir(), 'orgsync-cli-build-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/**
 * Loaded with --import into the CLI's process: a module whose URL matches `forbidden`
 * fails to resolve. With tsx and every TypeScript file forbidden, the CLI can only
 * succeed if it runs compiled JavaScript.
 */
function guardFile(name: string, forbidden: RegExp): string {
  const hooks = join(work, `${name}-hooks.mjs`);
  writeFileSync(
    hooks,
    `export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  if (${forbidden}.test(r.url)) throw new Error('NO_TYPESCRIPT_GUARD: loaded ' + r.url);
  return r;
}
`,
  );
  const guard = join(work, `${name}.mjs`);
  writeFileSync(guard, `import { register } from 'node:module';\nregister(${JSON.stringify(`file://${hooks}`)});\n`);
  return guard;
}
const TYPESCRIPT = /\/node_modules\/tsx\/|\.[cm]?ts$/;
const guard = guardFile('no-typescript', TYPESCRIPT);
/** An import into SQLite needs neither the queue (BullMQ, ioredis) nor the HTTP server. */
const localGuard = guardFile('no-typescript-no-server', new RegExp(`${TYPESCRIPT.source}|/node_modules/(bullmq|ioredis|fastify)/`));

const version = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

function guardedEnv(extra: Record<string, string> = {}, guardPath = guard): Record<string, string> {
  return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'warn', NODE_OPTIONS: `--import ${guardPath}`, ...extra };
}

const run = (cwd: string, args: string[]): Promise<CliResult> => runNode(args, guardedEnv(), { cwd });

describe('the compiled CLI', () => {
  it('the guard works: the TypeScript sources cannot be loaded under it', async () => {
    const res = await run(REPO_ROOT, ['--import', 'tsx', 'src/cli/main.ts', '--version']);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain('NO_TYPESCRIPT_GUARD');
  });

  it("--version and -V print package.json's version, with and without a command", async () => {
    for (const args of [['--version'], ['-V'], ['tree', '--version']]) {
      const res = await runCli(args, guardedEnv());
      expect(res.stderr).toBe('');
      expect({ args, code: res.code, out: res.stdout }).toEqual({ args, code: 0, out: `${version}\n` });
    }
  });

  it('prints the help and imports a file into SQLite without loading tsx, any .ts file, BullMQ, ioredis or Fastify', async () => {
    const help = await runCli(['--help'], guardedEnv());
    expect(help.stderr).toBe('');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: orgsync /);
    expect(help.stdout).toContain('-V, --version');
    for (const command of ['import', 'tree', 'serve', 'worker']) expect(help.stdout).toContain(`  ${command}`);
    // bin prints the help the build wrote down: the same text the CLI itself prints.
    const build = readFileSync(join(REPO_ROOT, 'dist/current'), 'utf8').trim();
    const direct = await run(REPO_ROOT, [`dist/builds/${build}/src/cli/main.js`, '--help']);
    expect(help.stdout).toBe(direct.stdout);

    const sqlite = join(work, 'cli-build.sqlite');
    const imported = await runCli(['import', 'fixtures/authing-style.csv', '--org', 'acme', '--create-org', '--org-name', 'ACME'], guardedEnv({ ORGSYNC_SQLITE_PATH: sqlite }, localGuard));
    expect(imported.stderr).toBe('');
    expect(imported.code).toBe(0);
    expect(imported.stdout).toMatch(/created \d+/);
  });
});

describe('scripts/build.mjs', () => {
  // A copy of the package that shares node_modules, so builds there leave dist/ alone.
  const copy = join(work, 'copy');
  mkdirSync(copy);
  for (const path of ['package.json', 'bin', 'scripts/build.mjs', 'src', 'jobs']) cpSync(join(REPO_ROOT, path), join(copy, path), { recursive: true });
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(copy, 'node_modules'), 'dir');
  const build = (): Promise<CliResult> => run(copy, ['scripts/build.mjs']);
  const setVersion = (v: string): void => {
    const pkg = JSON.parse(readFileSync(join(copy, 'package.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(copy, 'package.json'), JSON.stringify({ ...pkg, version: v }));
  };

  it('two builds at once both succeed; changed sources are rebuilt and run at the next start', async () => {
    const [a, b] = await Promise.all([build(), build()]);
    expect([a.code, b.code, a.stderr + b.stderr]).toEqual([0, 0, expect.stringContaining('up to date')]);
    expect((await run(copy, ['bin/orgsync.js', '--version'])).stdout).toBe(`${version}\n`);

    setVersion('9.8.7-cli-build');
    expect((await build()).code).toBe(0);
    for (const args of [['--version'], ['tree', '--version']]) {
      const res = await run(copy, ['bin/orgsync.js', ...args]);
      expect({ args, out: res.stdout, err: res.stderr }).toEqual({ args, out: '9.8.7-cli-build\n', err: '' });
    }
  });

  it('a syntax error fails the build with the file and line, and the previous build stays whole', async () => {
    const current = readFileSync(join(copy, 'dist/current'), 'utf8');
    writeFileSync(join(copy, 'src/cli/version.ts'), 'export function cliVersion(: string {\n');
    const res = await build();
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/build: FAILED\n.*src\/cli\/version\.ts:1:\d+: /);
    expect(readFileSync(join(copy, 'dist/current'), 'utf8')).toBe(current);
    expect((await run(copy, ['bin/orgsync.js', 'tree', '--version'])).code).toBe(0);
  });
});
