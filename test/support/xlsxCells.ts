/** Looks inside an .xlsx report: which cells are filled (highlighted). */
import { unzipSync } from 'fflate';

/** `A2`-style references of the cells whose style has a fill (fills 0 and 1 are Excel's reserved "none" and "gray125"). */
export function filledCells(bytes: Uint8Array): string[] {
  const files = unzipSync(bytes);
  const styles = new TextDecoder().decode(files['xl/styles.xml']);
  const xfs = [...(/<cellXfs[^>]*>([\s\S]*?)<\/cellXfs>/.exec(styles)?.[1] ?? '').matchAll(/<xf [^>]*?fillId="(\d+)"/g)].map((m) => Number(m[1]));
  const sheet = new TextDecoder().decode(files['xl/worksheets/sheet1.xml']);
  return [...sheet.matchAll(/<c r="([A-Z]+\d+)"[^>]*? s="(\d+)"/g)].filter((m) => (xfs[Number(m[2])] ?? 0) >= 2).map((m) => m[1]!);
}
