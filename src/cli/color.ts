/**
 * Colours for a person at a terminal only: never when the stream is not a TTY,
 * when NO_COLOR is set to anything non-empty (https://no-color.org), or with
 * `--no-color`. FORCE_COLOR=1 turns them on for a pipe (tests, `less -R`).
 */
export interface ColorChoice {
  isTTY: boolean | undefined;
  env: Record<string, string | undefined>;
  argv: readonly string[];
}

export function colorsWanted({ isTTY, env, argv }: ColorChoice): boolean {
  if (argv.includes('--no-color')) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '' && env.FORCE_COLOR !== '0') return true;
  return isTTY === true;
}

export type Paint = (text: string) => string;
export interface Palette {
  red: Paint;
  green: Paint;
  yellow: Paint;
  bold: Paint;
  dim: Paint;
}

const sgr = (open: number, close: number): Paint => (text) => `\x1b[${open}m${text}\x1b[${close}m`;
const plain: Paint = (text) => text;

export function palette(on: boolean): Palette {
  if (!on) return { red: plain, green: plain, yellow: plain, bold: plain, dim: plain };
  return { red: sgr(31, 39), green: sgr(32, 39), yellow: sgr(33, 39), bold: sgr(1, 22), dim: sgr(2, 22) };
}

/** The palette for a stream of this process (stdout by default). */
export function paletteFor(stream: { isTTY?: boolean } = process.stdout): Palette {
  return palette(colorsWanted({ isTTY: stream.isTTY, env: process.env, argv: process.argv }));
}
