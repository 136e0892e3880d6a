/**
 * Keeps file and glob sources inside ORGSYNC_SOURCE_ROOT. A schedule's path
 * is chosen by whoever holds an admin token; without a root, `../../etc/passwd`
 * or `/home/orgsync/.ssh/id_rsa` would be read by a worker and end up in a
 * run's input and error report.
 *
 * Relative paths are taken from the root. Paths are compared after resolving
 * symbolic links (realpath), so a link inside the root that points outside it
 * is refused too. Without a root, paths are used as given (the operator's own
 * `orgsync schedule add` on a trusted machine).
 */
import { realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { SourceUnavailableError } from './file.js';

export class OutsideSourceRootError extends SourceUnavailableError {
  override readonly name = 'OutsideSourceRootError';
  constructor(path: string, root: string) {
    super(`${path} is outside the allowed source directory (ORGSYNC_SOURCE_ROOT=${root}): refusing to read it`, 'SOURCE_OUTSIDE_ROOT');
  }
}

function inside(path: string, root: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/** The real path of `path`, or, when it does not exist (yet), the path itself. */
async function real(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch {
    return path;
  }
}

/**
 * `path` resolved against `root` and checked to stay inside it (before and
 * after following symbolic links); unchanged when there is no root.
 */
export async function confinePath(path: string, root: string | undefined): Promise<string> {
  if (root === undefined) return path;
  const base = resolve(root);
  const wanted = resolve(base, path);
  if (!inside(wanted, base) || !inside(await real(wanted), await real(base))) throw new OutsideSourceRootError(path, root);
  return wanted;
}
