/**
 * A progress bar on stderr for long files, only when a person is watching
 * (stderr is a TTY): scripts and CI logs stay clean. Every phase (reading,
 * planning, writing) gets its bar, its rows per second and an estimate of the
 * time left; the line is redrawn at most five times a second.
 */
import type { ImportProgress } from '../app/importService.js';
import { colorsWanted, palette } from './color.js';

const BAR_WIDTH = 24;
const REDRAW_MS = 200;

export interface PhaseClock {
  phase: ImportProgress['phase'];
  /** When the phase started (ms). */
  startedAt: number;
}

/** `12.3k`, `850`: rates and counts a glance can read. */
function compact(n: number): string {
  if (n >= 1_000_000) return `${(n / 1_000_000).toFixed(1)}M`;
  if (n >= 10_000) return `${Math.round(n / 1000)}k`;
  if (n >= 1000) return `${(n / 1000).toFixed(1)}k`;
  return String(Math.round(n));
}

/** `1m05s`, `42s`. */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/**
 * One line of progress, pure: `writing   [########----------------]  35%  3,500 of 10,000 rows  2.1k rows/s  ~3s left`.
 * Without a total (reading a stream of unknown length) the bar is left out.
 */
export function progressLine(p: ImportProgress, clock: PhaseClock, now: number, colors = false): string {
  const paint = palette(colors);
  const seconds = (now - clock.startedAt) / 1000;
  const rate = seconds > 0 ? p.rowsDone / seconds : 0;
  const parts = [p.phase.padEnd(8)];
  const total = p.rowsTotal;
  if (total !== undefined && total > 0) {
    const fraction = Math.min(1, p.rowsDone / total);
    const filled = Math.round(fraction * BAR_WIDTH);
    parts.push(`[${paint.green('#'.repeat(filled))}${'-'.repeat(BAR_WIDTH - filled)}]`, `${String(Math.floor(fraction * 100)).padStart(3)}%`);
    parts.push(`${p.rowsDone.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} rows`);
  } else {
    parts.push(`${p.rowsDone.toLocaleString('en-US')} rows`);
  }
  if (rate > 0 && seconds >= 0.5) {
    parts.push(paint.dim(`${compact(rate)} rows/s`));
    if (total !== undefined && total > p.rowsDone) parts.push(paint.dim(`~${duration((total - p.rowsDone) / rate)} left`));
  }
  return parts.join('  ');
}

export function progressPrinter(stream: NodeJS.WriteStream = process.stderr, clockNow: () => number = Date.now): ((p: ImportProgress) => void) | undefined {
  if (!stream.isTTY) return undefined;
  const colors = colorsWanted({ isTTY: stream.isTTY, env: process.env, argv: process.argv });
  let lastDraw = 0;
  let clock: PhaseClock | undefined;
  return (p) => {
    const now = clockNow();
    if (clock?.phase !== p.phase) clock = { phase: p.phase, startedAt: now };
    if (p.phase === 'done') {
      stream.write('\r\x1b[2K');
      return;
    }
    // A new phase is drawn at once; within a phase, at most every REDRAW_MS.
    if (clock.startedAt !== now && now - lastDraw < REDRAW_MS) return;
    lastDraw = now;
    stream.write(`\r\x1b[2K${progressLine(p, clock, now, colors)}`);
  };
}
