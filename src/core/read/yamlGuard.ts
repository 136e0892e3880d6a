/**
 * A cheap pre-scan that refuses absurdly nested YAML before the yaml package
 * sees it. The package composes nodes recursively: thousands of levels
 * (`[[[[…`) overflow the stack, and we have seen that end in a fatal V8
 * out-of-memory crash instead of a catchable error.
 *
 * The estimate is deliberately rough (it never needs to be exact: the reader
 * checks the real depth, MAX_DEPTH, while walking the parsed document); it
 * only has to stay near the real depth for sane files and grow with it for
 * pathological ones.
 */

/** Estimated depth beyond which the yaml package is not even called. */
export const GUARD_DEPTH = 192;

const INDICATOR = /^[-?:](?:[ \t]+|$)/;
const BLOCK_SCALAR_HEADER = /[|>][-+0-9]*[ \t]*(?:#.*)?$/;

/**
 * Returns the 1-based line where the estimated nesting first exceeds
 * `limit`, or undefined.
 */
export function findExcessiveNesting(text: string, limit = GUARD_DEPTH): number | undefined {
  const indents: number[] = []; // open block collections, by indentation column
  let flow = 0; // open [ and {
  let quote: string | undefined; // open quoted scalar spanning lines
  let blockScalarIndent = -1; // inside `key: |` content while lines are indented deeper than this
  const lines = text.split(/\r\n|\r|\n/);
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!;
    const indent = line.length - line.trimStart().length;
    if (blockScalarIndent !== -1) {
      if (line.trim() === '' || indent > blockScalarIndent) continue;
      blockScalarIndent = -1;
    }
    let i = indent;
    if (flow === 0 && quote === undefined) {
      if (line.trim() === '' || line[indent] === '#') continue;
      while (indents.length > 0 && indents.at(-1)! > indent) indents.pop();
      if (indents.length === 0 || indents.at(-1)! < indent) indents.push(indent);
      // `- - - x`: every compact indicator opens one more block collection.
      for (let rest = line.slice(i); INDICATOR.test(rest); rest = line.slice(i)) {
        i += INDICATOR.exec(rest)![0].length;
        indents.push(i);
      }
      if (indents.length > limit) return n + 1;
      if (BLOCK_SCALAR_HEADER.test(line)) blockScalarIndent = indent;
    }
    for (; i < line.length; i++) {
      const ch = line[i]!;
      if (quote !== undefined) {
        if (ch === '\\' && quote === '"') i++;
        else if (ch === quote) {
          if (quote === "'" && line[i + 1] === "'") i++;
          else quote = undefined;
        }
        continue;
      }
      const before = i === 0 ? ' ' : line[i - 1]!;
      const atTokenStart = ' \t[{,'.includes(before);
      if (ch === '#' && (before === ' ' || before === '\t' || i === 0)) break; // comment
      if ((ch === '"' || ch === "'") && atTokenStart) quote = ch;
      else if (ch === '[' || ch === '{') {
        flow++;
        if (indents.length + flow > limit) return n + 1;
      } else if ((ch === ']' || ch === '}') && flow > 0) flow--;
    }
  }
  return undefined;
}
