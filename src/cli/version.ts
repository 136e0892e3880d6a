/**
 * The version of orgsync, from the package.json two levels up: the repository's when
 * run from src/ (tsx), the copy the build writes next to the compiled files otherwise.
 */
import { readFileSync } from 'node:fs';

export function cliVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
}
