/**
 * vitest globalSetup: compiles the CLI before any test file runs, because the tests
 * spawn `node bin/orgsync.js`, which runs dist/ (never the TypeScript sources).
 *
 * Every run builds (a no-op when the sources did not change), so a spawned CLI is never
 * older than the sources at the start of the run. A syntax error fails the whole run with
 * esbuild's file:line:column: running the previous build instead would test stale code
 * without saying so. Type errors do not stop the build (`npm run typecheck` checks types).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BUILD = fileURLToPath(new URL('../../scripts/build.mjs', import.meta.url));

export default function setup(): void {
  const res = spawnSync(process.execPath, [BUILD, '--quiet'], { stdio: ['ignore', 'inherit', 'pipe'], encoding: 'utf8' });
  if (res.status !== 0) {
    throw new Error(`the CLI did not compile (node scripts/build.mjs), so no test runs:\n${res.stderr || res.error?.message || `exit ${res.status}`}`);
  }
  if (res.stderr) process.stderr.write(res.stderr);
}
