/**
 * A progress line on stderr for long files, only when a person is watching
 * (stderr is a TTY): scripts and CI logs stay clean.
 */
import type { ImportProgress } from '../app/importService.js';

export function progressPrinter(stream: NodeJS.WriteStream = process.stderr): ((p: ImportProgress) => void) | undefined {
  if (!stream.isTTY) return undefined;
  let last = 0;
  return (p) => {
    const now = Date.now();
    if (p.phase !== 'done' && now - last < 200) return;
    last = now;
    const of = p.rowsTotal === undefined ? '' : ` of ${p.rowsTotal}`;
    stream.write(`\r\x1b[2K${p.phase} ${p.rowsDone}${of} rows`);
    if (p.phase === 'done') stream.write('\r\x1b[2K');
  };
}
