#!/usr/bin/env node
/**
 * Compiles src/ and jobs/ to JavaScript for bin/orgsync.js (which never runs TypeScript).
 *
 * Plain JavaScript (not TypeScript) because it runs before anything is compiled: from
 * `npm install` (the `prepare` script), in the Docker build stage and from vitest's
 * globalSetup, which rebuilds before every test run so a spawned CLI never runs stale code.
 *
 * Layout: dist/builds/<hash of the sources>/ and dist/current (the hash of the build to run).
 * - Content-addressed: a build of unchanged sources is found, not redone (a no-op run
 *   costs the hashing, ~50 ms).
 * - A build is written to a temporary directory and renamed into place, and dist/current
 *   is replaced by a rename, so a CLI started at any moment sees one complete build. A
 *   process keeps importing from the directory it started in, so a rebuild in the middle
 *   of a test never mixes two versions of the modules.
 * - Builds are serialised by a lock directory (two vitest runs at once); inside the lock
 *   the sources are hashed again, so dist/current always names the sources as they were
 *   at the latest build, never an older build that finished last.
 *
 * esbuild bundles src/cli/main.ts and jobs/*.ts with knex, mysql2, zod, yaml and commander
 * (see BUNDLED) into ES modules, split into chunks so that what the CLI imports lazily
 * (command modules, the xlsx reader, report writers) is still loaded only when needed. No
 * type check (`npm run typecheck` is the gate for types); source maps so stack traces name
 * the TypeScript lines. A syntax error fails the build, and with it the test run, with
 * esbuild's message.
 * Why bundle: start-up loaded ~770 files (~500 CommonJS, mostly lodash for knex, mysql2,
 * zod; ~265 ES modules, ours), each resolved, read and compiled; the bundle loads 43.
 * `orgsync import /nonexistent.csv --org x`, CPU (user+sys) median of 12 interleaved runs,
 * load 0.7-1.3: 0.62 s per file, 0.56 s with only our code bundled, 0.465 s now.
 *
 * Also writes help.txt, the output of `orgsync --help`, so that bin/orgsync.js can print
 * the top-level help without loading every command module (and Fastify, BullMQ, Knex).
 *
 *   node scripts/build.mjs [--quiet]
 */
import { createHash, randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(ROOT, 'dist');
const BUILDS = join(DIST, 'builds');
const CURRENT = join(DIST, 'current');
const LOCK = join(DIST, '.build-lock');
const SOURCE_DIRS = ['src', 'jobs'];
/** Written by npm at every install: the exact versions in node_modules. */
const INSTALLED = 'node_modules/.package-lock.json';
/** A lock older than this was left by a killed build. */
const STALE_LOCK_MS = 120_000;
/** Old builds are kept this long after they stop being current: a worker started from one may still load its modules lazily. */
const KEEP_OLD_BUILDS_MS = 3_600_000;

const quiet = process.argv.includes('--quiet');
const say = (line) => {
  if (!quiet) process.stderr.write(`build: ${line}\n`);
};

function sourceFiles() {
  const files = [];
  for (const dir of SOURCE_DIRS) {
    for (const entry of readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })) {
      if (entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
        files.push(relative(ROOT, join(entry.parentPath ?? entry.path, entry.name)));
      }
    }
  }
  return files.sort();
}

/**
 * Names the build: the sources, this script, package.json (the version is printed) and the
 * installed packages (npm's record of node_modules), since the build bundles some of them:
 * an upgraded knex must make a new build, not find the old one.
 */
function hashOf(files) {
  const hash = createHash('sha256');
  for (const file of [...files, 'scripts/build.mjs', 'package.json']) {
    hash.update(`${file}\0`).update(readFileSync(join(ROOT, file))).update('\0');
  }
  hash.update(`${INSTALLED}\0`).update(existsSync(join(ROOT, INSTALLED)) ? readFileSync(join(ROOT, INSTALLED)) : 'none').update('\0');
  return hash.digest('hex').slice(0, 16);
}

/**
 * What the CLI runs from the build, at these paths: bin/orgsync.js imports src/cli/main.js;
 * jobs/* stay files at their paths too, for anything that loads a job module by path.
 */
function entryPoints(files) {
  return files.filter((f) => f === 'src/cli/main.ts' || /^jobs\/[^/]+\.ts$/.test(f));
}

/**
 * Packages compiled into the build rather than loaded from node_modules at run time.
 * Start-up was loading ~450 modules (knex ~255 lodash files, zod ~100, mysql2 ~93, ours
 * ~290), each resolved, read and compiled on its own.
 * The packages a bundled package imports are bundled with it (their versions as installed),
 * except NEVER_BUNDLED. Everything else (Fastify, BullMQ, ioredis, pino and its worker-thread
 * transports, ...) stays external: loaded only by the commands that need them, and free to
 * resolve its own files at run time.
 */
const BUNDLED = new Set(['knex', 'mysql2', 'zod', 'yaml', 'commander']);
/** Native addons, and knex's optional dialect drivers (not installed; required only by their dialect). */
const NEVER_BUNDLED = new Set(['better-sqlite3', 'sqlite3', 'pg', 'pg-native', 'pg-query-stream', 'oracledb', 'tedious', 'mysql', 'mariadb']);

const packageOf = (specifier) => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');

const externals = {
  name: 'orgsync-externals',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('node:')) return undefined;
      const name = packageOf(args.path);
      if (NEVER_BUNDLED.has(name)) return { path: args.path, external: true };
      const fromPackage = /[\\/]node_modules[\\/]/.test(args.importer);
      return fromPackage || BUNDLED.has(name) ? undefined : { path: args.path, external: true };
    });
  },
};

async function compile(files, outdir) {
  const { build } = await import('esbuild');
  await build({
    entryPoints: entryPoints(files).map((f) => join(ROOT, f)),
    outdir,
    outbase: ROOT,
    bundle: true,
    // Dynamic imports (command modules, the xlsx reader, report writers) stay chunks loaded
    // when first needed. Chunks are two directories deep, like src/cli/main.js, so a path
    // relative to import.meta.url (src/cli/version.ts reads ../../package.json) names the
    // same file from whichever file the code lands in.
    splitting: true,
    chunkNames: 'src/chunks/[name]-[hash]',
    plugins: [externals],
    // The bundled CommonJS packages (knex, mysql2) require() externals (better-sqlite3,
    // Node built-ins): an ES module has no require of its own.
    banner: { js: "import { createRequire as __orgsyncCreateRequire } from 'node:module';\nconst require = __orgsyncCreateRequire(import.meta.url);" },
    platform: 'node',
    target: 'node20',
    format: 'esm',
    // Stack traces need only the mappings: without the sources' text (knex, mysql2, ...)
    // the maps Node reads at start-up (bin enables source maps) are ~3x smaller; measured
    // 0.49 -> 0.465 s CPU for `orgsync import /nonexistent.csv --org x`.
    sourcemap: true,
    sourcesContent: false,
    logLevel: 'silent',
  });
}

/** ESM for the .js files wherever dist/ is copied, and the version `--version` prints. */
function writePackageJson(outdir) {
  const { name, version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  writeFileSync(join(outdir, 'package.json'), `${JSON.stringify({ name, version, type: 'module', private: true }, null, 2)}\n`);
}

/** The top-level help, as the compiled CLI prints it; none (a warning) if it cannot start. */
function writeHelp(outdir) {
  const res = spawnSync(process.execPath, [join(outdir, 'src/cli/main.js'), '--help'], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', NO_COLOR: '1' },
  });
  if (res.status === 0 && res.stdout.startsWith('Usage: orgsync')) writeFileSync(join(outdir, 'help.txt'), res.stdout);
  else process.stderr.write(`build: warning: \`orgsync --help\` failed in the new build (exit ${res.status}):\n${res.stderr}`);
}

function removeOldBuilds(keep) {
  for (const name of readdirSync(BUILDS)) {
    if (name === keep) continue;
    const path = join(BUILDS, name);
    try {
      if (Date.now() - statSync(path).mtimeMs > KEEP_OLD_BUILDS_MS) rmSync(path, { recursive: true, force: true });
    } catch {
      // Removed by another build meanwhile.
    }
  }
}

function pointCurrentAt(hash) {
  let previous;
  try {
    previous = readFileSync(CURRENT, 'utf8').trim();
  } catch {
    // The first build.
  }
  // The old build's clock for removeOldBuilds starts now, when it stops being current.
  if (previous && previous !== hash && existsSync(join(BUILDS, previous))) {
    const now = new Date();
    utimesSync(join(BUILDS, previous), now, now);
  }
  const tmp = `${CURRENT}.${process.pid}.tmp`;
  writeFileSync(tmp, `${hash}\n`);
  renameSync(tmp, CURRENT);
}

class SourcesChanged extends Error {}

/** Compiles the sources as they are now into dist/builds/<hash> (unless built) and returns the hash. */
async function buildOnce(started) {
  const files = sourceFiles();
  const hash = hashOf(files);
  const target = join(BUILDS, hash);
  if (existsSync(join(target, 'complete'))) {
    say(`up to date (${hash})`);
    return hash;
  }
  const tmp = join(BUILDS, `.tmp-${hash}-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    await compile(files, tmp);
    // A file saved while esbuild read the sources: this output is not the hashed sources.
    if (hashOf(sourceFiles()) !== hash) throw new SourcesChanged('the sources changed during the build');
    writePackageJson(tmp);
    writeHelp(tmp);
    writeFileSync(join(tmp, 'complete'), '');
    rmSync(target, { recursive: true, force: true });
    renameSync(tmp, target);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  say(`compiled ${files.length} files to dist/builds/${hash} in ${Math.round(performance.now() - started)} ms`);
  return hash;
}

async function main() {
  const started = performance.now();
  mkdirSync(BUILDS, { recursive: true });
  await acquireLock();
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        const hash = await buildOnce(started);
        pointCurrentAt(hash);
        removeOldBuilds(hash);
        return;
      } catch (err) {
        if (!(err instanceof SourcesChanged) || attempt >= 3) throw err;
      }
    }
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

/** mkdir is atomic: whoever creates the directory holds the lock. */
async function acquireLock() {
  for (;;) {
    try {
      mkdirSync(LOCK);
      return;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      try {
        if (Date.now() - statSync(LOCK).mtimeMs > STALE_LOCK_MS) rmSync(LOCK, { recursive: true, force: true });
      } catch {
        // Released between the two calls: try again.
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

try {
  await main();
} catch (err) {
  // esbuild's errors carry the file, line and column of each problem.
  const lines = Array.isArray(err?.errors) && err.errors.length > 0
    ? err.errors.map((e) => `${e.location ? `${e.location.file}:${e.location.line}:${e.location.column}: ` : ''}${e.text}`)
    : [err?.stack ?? String(err)];
  process.stderr.write(`build: FAILED\n${lines.join('\n')}\n`);
  process.exitCode = 1;
}
