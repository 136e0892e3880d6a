/**
 * Duplicate keys in JSON. JSON.parse keeps the last of two equal keys without a
 * word (`{"name":"A","name":"B"}` is "B"), where YAML refuses them: both are
 * refused here, with the key and its line.
 *
 * Finding them must not slow down a big import that has none, so the check is
 * two counts: scanLayout counts the members written in the text (its `:`s
 * outside strings), countKeys the keys JSON.parse kept. Only when they differ
 * does findDuplicateKey scan again, keeping each object's keys, to name one.
 */
import { FileError } from '../errors.js';
import { stringEnd } from './jsonScan.js';
import { lineAt } from './lines.js';

/** How many keys the objects of a parsed JSON value hold, all together. Iterative. */
export function countKeys(value: unknown): number {
  let count = 0;
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const v = pending.pop();
    if (typeof v !== 'object' || v === null) continue;
    if (Array.isArray(v)) {
      for (const item of v) if (typeof item === 'object' && item !== null) pending.push(item);
      continue;
    }
    for (const key in v) {
      count++;
      const item = (v as Record<string, unknown>)[key];
      if (typeof item === 'object' && item !== null) pending.push(item);
    }
  }
  return count;
}

/** The first key that appears twice in one object, and the offset of its second appearance. */
export function findDuplicateKey(text: string): { key: string; offset: number } | undefined {
  // One entry per open bracket: the keys seen so far for an object, null for an array.
  const stack: (Set<string> | null)[] = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    switch (c) {
      case 34 /* " */: {
        const end = stringEnd(text, i);
        const keys = stack.at(-1);
        if (keys && expectKey) {
          const raw = text.slice(i + 1, end);
          const key = raw.includes('\\') ? (JSON.parse(text.slice(i, end + 1)) as string) : raw;
          if (keys.has(key)) return { key, offset: i };
          keys.add(key);
          expectKey = false;
        }
        i = end;
        break;
      }
      case 44 /* , */:
        expectKey = stack.at(-1) instanceof Set;
        break;
      case 91 /* [ */:
        stack.push(null);
        expectKey = false;
        break;
      case 123 /* { */:
        stack.push(new Set());
        expectKey = true;
        break;
      case 93 /* ] */:
      case 125 /* } */:
        stack.pop();
        expectKey = false;
        break;
      default:
        break;
    }
  }
  return undefined;
}

export function duplicateKeyError(key: string, line: number): FileError {
  return new FileError('JSON_SYNTAX_ERROR', `the key ${JSON.stringify(key)} appears twice in the same object`, line, { key });
}

/**
 * Throws JSON_SYNTAX_ERROR if an object of `text` has a key twice. `written`:
 * the members scanLayout counted; `parsed`: what JSON.parse made of the text.
 * `lineOf` turns an offset into the line to report.
 */
export function refuseDuplicateKeys(text: string, written: number, parsed: unknown, lineOf: (offset: number) => number = (o) => lineAt(text, o)): void {
  if (written === countKeys(parsed)) return;
  const duplicate = findDuplicateKey(text);
  if (duplicate) throw duplicateKeyError(duplicate.key, lineOf(duplicate.offset));
}
