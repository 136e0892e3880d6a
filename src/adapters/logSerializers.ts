/**
 * pino's `err` serializer with every field held to a bounded size. A database
 * error carries the whole statement (`err.sql`, and in knex's message too)
 * and its bindings: an upload staged as a BLOB put the file's bytes, as hex,
 * into one log line (issue 11, item 5). The start of a long text and its end
 * (where a driver puts its own message) are kept; bytes are counted, not shown.
 */
import { stdSerializers } from 'pino';

/** The most characters of any one text field of a logged error. */
export const LOGGED_TEXT_MAX_CHARS = 2000;
/** The most items of a logged list (such as `bindings`). */
const LOGGED_LIST_MAX_ITEMS = 20;
/** Nested objects below this depth are summarised, not copied. */
const LOGGED_MAX_DEPTH = 4;

export function trimText(text: string, maxChars = LOGGED_TEXT_MAX_CHARS): string {
  if (text.length <= maxChars) return text;
  const head = Math.floor(maxChars * 0.6);
  const tail = maxChars - head;
  return `${text.slice(0, head)} … [${text.length - head - tail} characters left out] … ${text.slice(-tail)}`;
}

/** A bounded copy of a value for a log line: long texts trimmed, bytes counted, lists and depth capped. */
export function boundedForLog(value: unknown): unknown {
  const root: { value: unknown } = { value: undefined };
  // An explicit stack: an error's fields can nest (cause chains, driver objects).
  const stack: { from: unknown; into: Record<string | number, unknown>; key: string | number; depth: number }[] = [
    { from: value, into: root as Record<string, unknown>, key: 'value', depth: 0 },
  ];
  while (stack.length > 0) {
    const { from, into, key, depth } = stack.pop()!;
    if (typeof from === 'string') into[key] = trimText(from);
    else if (from instanceof Uint8Array) into[key] = `[${from.byteLength} bytes]`;
    else if (typeof from !== 'object' || from === null) into[key] = typeof from === 'bigint' ? String(from) : from;
    else if (depth >= LOGGED_MAX_DEPTH) into[key] = Array.isArray(from) ? `[list of ${from.length}]` : '[object]';
    else if (Array.isArray(from)) {
      const out: unknown[] = [];
      into[key] = out;
      from.slice(0, LOGGED_LIST_MAX_ITEMS).forEach((item, i) => stack.push({ from: item, into: out as unknown as Record<number, unknown>, key: i, depth: depth + 1 }));
      if (from.length > LOGGED_LIST_MAX_ITEMS) out[LOGGED_LIST_MAX_ITEMS] = `[${from.length - LOGGED_LIST_MAX_ITEMS} more]`;
    } else {
      const out: Record<string, unknown> = {};
      into[key] = out;
      for (const [k, v] of Object.entries(from).slice(0, 50)) stack.push({ from: v, into: out, key: k, depth: depth + 1 });
    }
  }
  return root.value;
}

/** pino's standard error serializer (type, message, stack, own fields, cause), then bounded. */
export function boundedErrorSerializer(err: Error): ReturnType<typeof stdSerializers.err> {
  const serialized = err instanceof Error ? stdSerializers.err(err) : { type: typeof err, message: String(err), stack: '' };
  return boundedForLog(serialized) as ReturnType<typeof stdSerializers.err>;
}
