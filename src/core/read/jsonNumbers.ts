/**
 * JSON numbers as written. JSON.parse turns `1e400` into Infinity, `-0` into 0,
 * `1.10` into 1.1, `1e2` into 100 and `12345678901234567890` into
 * 12345678901234567000; a department field used as text (a code, an id) must
 * keep what the file says, as the YAML reader does. The readers find a
 * department's number literals here, only for departments that hold a number.
 */
import { jsonPathKey, stringEnd } from './jsonScan.js';

const isNumberChar = (c: number): boolean => (c >= 48 && c <= 57) || c === 45 || c === 43 || c === 46 || c === 101 || c === 69;

/**
 * The number literals of the object starting at `start` (a `{`) whose value
 * JSON.parse changes (String(Number(literal)) !== literal), by their path
 * inside the object (jsonPathKey), or undefined if there are none. Values
 * under `skipKey` (the department's nested children, which are read on their
 * own) are not recorded. Runs on text JSON.parse accepted.
 */
export function numberLiterals(text: string, start: number, skipKey?: string): Map<string, string> | undefined {
  type Frame = { array: true; index: number } | { array: false; key: string; expectKey: boolean };
  const stack: Frame[] = [];
  let found: Map<string, string> | undefined;
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      const end = stringEnd(text, i);
      const top = stack.at(-1);
      if (top && !top.array && top.expectKey) {
        const raw = text.slice(i + 1, end);
        top.key = raw.includes('\\') ? (JSON.parse(text.slice(i, end + 1)) as string) : raw;
        top.expectKey = false;
      }
      i = end;
    } else if (c === 91 /* [ */) stack.push({ array: true, index: 0 });
    else if (c === 123 /* { */) stack.push({ array: false, key: '', expectKey: true });
    else if (c === 93 /* ] */ || c === 125 /* } */) {
      stack.pop();
      if (stack.length === 0) break;
    } else if (c === 44 /* , */) {
      const top = stack.at(-1);
      if (top?.array) top.index++;
      else if (top) top.expectKey = true;
    } else if (c === 45 || (c >= 48 && c <= 57)) {
      let end = i + 1;
      while (end < text.length && isNumberChar(text.charCodeAt(end))) end++;
      const literal = text.slice(i, end);
      const first = stack[0];
      if (String(Number(literal)) !== literal && !(first && !first.array && first.key === skipKey && skipKey !== undefined)) {
        (found ??= new Map()).set(jsonPathKey(stack.map((f) => (f.array ? f.index : f.key))), literal);
      }
      i = end - 1;
    }
  }
  return found;
}

/** A number JSON can carry as a number without changing it (finite, and exact if an integer). */
export function isExactNumber(value: number): boolean {
  return Number.isFinite(value) && (!Number.isInteger(value) || Number.isSafeInteger(value));
}

/**
 * Whether a department's values hold a number whose literal matters: any
 * number directly in a field (a field is kept as written), or a nested number
 * JSON.parse could not keep exactly. Iterative.
 */
export function needsNumberLiterals(department: Record<string, unknown>, skipKey: string | undefined): boolean {
  const pending: unknown[] = [];
  for (const key of Object.keys(department)) {
    if (key === skipKey) continue;
    const value = department[key];
    if (typeof value === 'number') return true;
    if (typeof value === 'object' && value !== null) pending.push(value);
  }
  while (pending.length > 0) {
    const v = pending.pop();
    if (typeof v === 'number') {
      if (!isExactNumber(v)) return true;
    } else if (Array.isArray(v)) {
      for (const item of v) pending.push(item);
    } else if (typeof v === 'object' && v !== null) {
      for (const key of Object.keys(v)) pending.push((v as Record<string, unknown>)[key]);
    }
  }
  return false;
}
