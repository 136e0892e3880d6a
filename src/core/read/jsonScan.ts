/**
 * Two small linear scans over JSON text, so JSON.parse stays the one real
 * parser (it is by far the fastest way to read a big export):
 *
 * - `scanLayout` runs on text JSON.parse accepted and finds where each
 *   department object starts (for row numbers) and whether nesting is too deep.
 * - `locateJsonError` runs only when JSON.parse failed without saying where
 *   (V8 reports "Unexpected token 'x', ..." with no position).
 */

/** Index of the quote closing the string that opens at `start` (or text.length if unterminated). */
export function stringEnd(text: string, start: number): number {
  for (let i = text.indexOf('"', start + 1); i !== -1; i = text.indexOf('"', i + 1)) {
    let backslashes = 0;
    while (text.charCodeAt(i - 1 - backslashes) === 92) backslashes++;
    if (backslashes % 2 === 0) return i;
  }
  return text.length;
}

export interface JsonLayout {
  /** Start offset of each element of the department list, in order. */
  elements: number[];
  /** Offset of the first `[` or `{` nested deeper than the limit, or -1. */
  tooDeepAt: number;
  /** Object members written in the text (its `:`s outside strings): see jsonKeys.ts. */
  members: number;
}

/**
 * The department list is the root array, or the array under the root object's
 * "departments" key (the last one wins, as with JSON.parse).
 */
export function scanLayout(text: string, maxDepth: number): JsonLayout {
  let elements: number[] = [];
  let depth = 0;
  let listDepth = -1; // depth inside the department list while scanning it
  let rootIsObject = false;
  let lastString = ''; // the latest string seen directly in the root object
  let key: string | undefined; // the root object's key whose value comes next
  let expectElement = false;
  let members = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 10 || c === 13 || c === 9) continue;
    if (expectElement && c !== 93 /* ] */) {
      elements.push(i);
      expectElement = false;
    }
    switch (c) {
      case 34 /* " */: {
        const end = stringEnd(text, i);
        if (rootIsObject && depth === 1) lastString = JSON.parse(text.slice(i, end + 1)) as string;
        i = end;
        break;
      }
      case 58 /* : */:
        members++;
        if (depth === 1) key = lastString;
        break;
      case 44 /* , */:
        if (depth === listDepth) expectElement = true;
        if (depth === 1) key = undefined;
        break;
      case 91 /* [ */:
      case 123 /* { */:
        depth++;
        if (depth > maxDepth) return { elements, tooDeepAt: i, members };
        if (depth === 1) {
          rootIsObject = c === 123;
          if (!rootIsObject) {
            listDepth = 1;
            expectElement = true;
          }
        } else if (depth === 2 && rootIsObject && c === 91 && key === 'departments') {
          elements = [];
          listDepth = 2;
          expectElement = true;
        }
        break;
      case 93 /* ] */:
      case 125 /* } */:
        if (depth === listDepth) {
          listDepth = -1;
          expectElement = false;
        }
        depth--;
        break;
      default:
        break; // numbers and literals
    }
  }
  return { elements, tooDeepAt: -1, members };
}

export interface JsonProblem {
  offset: number;
  problem: string;
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPE = /\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})/y;

function describe(ch: string | undefined): string {
  if (ch === undefined) return 'the end of the file';
  return /\s/.test(ch) ? `a ${JSON.stringify(ch)} character` : `"${ch}"`;
}

/** Scans a string literal opening at `start`: the index after it, or the problem. */
function scanString(text: string, start: number): number | JsonProblem {
  for (let i = start + 1; ; ) {
    const c = text.charCodeAt(i);
    if (Number.isNaN(c)) return { offset: start, problem: 'a string is never closed (missing ")' };
    if (c === 34) return i + 1;
    if (c < 0x20) return { offset: i, problem: 'a string contains a line break or control character; write it as \\n' };
    if (c === 92) {
      ESCAPE.lastIndex = i;
      if (!ESCAPE.test(text)) return { offset: i, problem: 'a string contains an invalid escape sequence' };
      i = ESCAPE.lastIndex;
    } else i++;
  }
}

type State = 'value' | 'valueOrClose' | 'key' | 'keyOrClose' | 'colon' | 'next';

/** The first syntax error in `text`, or undefined if it is valid JSON. */
export function locateJsonError(text: string): JsonProblem | undefined {
  const stack: string[] = []; // the closers still expected
  let state: State = 'value';
  let i = 0;
  for (;;) {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
    const ch = text[i];
    const fail = (problem: string): JsonProblem => ({ offset: i, problem });
    if (state === 'next') {
      const closer = stack.at(-1);
      if (closer === undefined) return ch === undefined ? undefined : fail(`unexpected ${describe(ch)} after the end of the document`);
      if (ch === ',') state = closer === ']' ? 'value' : 'key';
      else if (ch === closer) stack.pop();
      else return fail(`expected "," or "${closer}" but found ${describe(ch)}`);
      i++;
    } else if (state === 'colon') {
      if (ch !== ':') return fail(`expected ":" after a property name but found ${describe(ch)}`);
      state = 'value';
      i++;
    } else if (state === 'key' || state === 'keyOrClose') {
      if (state === 'keyOrClose' && ch === '}') {
        stack.pop();
        state = 'next';
        i++;
      } else if (ch === '"') {
        const end = scanString(text, i);
        if (typeof end !== 'number') return end;
        state = 'colon';
        i = end;
      } else return fail(`expected a property name in double quotes but found ${describe(ch)}`);
    } else if (state === 'valueOrClose' && ch === ']') {
      stack.pop(); // an empty list
      state = 'next';
      i++;
    } else {
      state = 'next';
      if (ch === '[' || ch === '{') {
        stack.push(ch === '[' ? ']' : '}');
        state = ch === '[' ? 'valueOrClose' : 'keyOrClose';
        i++;
      } else if (ch === '"') {
        const end = scanString(text, i);
        if (typeof end !== 'number') return end;
        i = end;
      } else if (ch === 't' || ch === 'f' || ch === 'n') {
        const word = ch === 't' ? 'true' : ch === 'f' ? 'false' : 'null';
        if (!text.startsWith(word, i)) {
          const found = /[^\s,:[\]{}"]+/y;
          found.lastIndex = i;
          return fail(`unexpected "${found.exec(text)?.[0] ?? ch}" (text values must be in double quotes)`);
        }
        i += word.length;
      } else {
        NUMBER.lastIndex = i;
        if (ch === undefined || !NUMBER.test(text)) {
          return fail(`expected a value but found ${describe(ch)}${ch && /[\w']/.test(ch) ? ' (text values must be in double quotes)' : ''}`);
        }
        i = NUMBER.lastIndex;
      }
    }
  }
}

/** Joins the keys and indices of a JSON path into one map key (NUL never appears unescaped in JSON text). */
export function jsonPathKey(parts: readonly (string | number)[]): string {
  return parts.join('\u0000');
}

/**
 * Start offsets of every object that is an element of an array, anywhere in
 * the document, by its path from the root (see jsonPathKey): the line numbers
 * of nested departments (`children: [...]`), which JSON.parse cannot give.
 * Runs on text JSON.parse accepted (and jsonKeys.ts found no duplicated key).
 */
export function scanArrayObjects(text: string): Map<string, number> {
  type Frame = { array: true; index: number } | { array: false; key: string; expectKey: boolean };
  const stack: Frame[] = [];
  const found = new Map<string, number>();
  const path = (): (string | number)[] => stack.map((f) => (f.array ? f.index : f.key));
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    switch (c) {
      case 34 /* " */: {
        const end = stringEnd(text, i);
        const top = stack.at(-1);
        if (top && !top.array && top.expectKey) {
          const raw = text.slice(i + 1, end);
          top.key = raw.includes('\\') ? (JSON.parse(text.slice(i, end + 1)) as string) : raw;
        }
        i = end;
        break;
      }
      case 58 /* : */: {
        const top = stack.at(-1);
        if (top && !top.array) top.expectKey = false;
        break;
      }
      case 44 /* , */: {
        const top = stack.at(-1);
        if (top?.array) top.index++;
        else if (top) top.expectKey = true;
        break;
      }
      case 91 /* [ */:
        stack.push({ array: true, index: 0 });
        break;
      case 123 /* { */:
        if (stack.at(-1)?.array) found.set(jsonPathKey(path()), i);
        stack.push({ array: false, key: '', expectKey: true });
        break;
      case 93 /* ] */:
      case 125 /* } */:
        stack.pop();
        break;
      default:
        break;
    }
  }
  return found;
}
