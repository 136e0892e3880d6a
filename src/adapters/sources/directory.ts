/**
 * The newest file in a directory whose name matches a glob: HR systems often
 * drop a dated export (`departments-2024-06-01.csv`) on a share every night.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { SourceUnavailableError } from './file.js';

/** `*`, `?` and `[...]` within one file name; everything else literal. */
export function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end === -1) re += '\\[';
      else {
        const body = pattern.slice(i + 1, end).replace(/\\/g, '\\\\');
        re += `[${body.startsWith('!') ? `^${body.slice(1)}` : body}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** The path of the newest regular file in `directory` whose name matches `pattern`. */
export async function newestMatchingFile(directory: string, pattern: string): Promise<string> {
  let names: string[];
  try {
    names = await readdir(directory);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new SourceUnavailableError(code === 'ENOENT' ? `no such directory: ${directory}` : `cannot list ${directory} (${code ?? 'error'})`);
  }
  const re = globToRegExp(pattern);
  let newest: { path: string; mtimeMs: number } | undefined;
  for (const name of names.filter((n) => re.test(n))) {
    const path = join(directory, name);
    const info = await stat(path).catch(() => undefined); // deleted meanwhile: skip it
    if (!info?.isFile()) continue;
    // Ties (same mtime) go to the later name, so the choice is stable.
    if (!newest || info.mtimeMs > newest.mtimeMs || (info.mtimeMs === newest.mtimeMs && path > newest.path)) {
      newest = { path, mtimeMs: info.mtimeMs };
    }
  }
  if (!newest) throw new SourceUnavailableError(`no file in ${directory} matches ${pattern}`);
  return newest.path;
}
