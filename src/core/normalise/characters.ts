/**
 * Characters a stored key or name must not hold, because they make two
 * different values look the same or cannot be stored at all:
 *
 * - Unpaired UTF-16 surrogates (`"\ud800"` in JSON or YAML) are not characters:
 *   MariaDB turns each into U+FFFD (two different names collide, and a name
 *   never reads back as it was written) and SQLite stores invalid UTF-8. Always
 *   refused, in every text, nested values included.
 * - Invisible formatting characters (Unicode Default_Ignorable_Code_Point:
 *   bidirectional overrides such as U+202E, zero-width spaces and joiners, word
 *   joiner, soft hyphen, BOM, Hangul fillers, variation selectors, tags) render
 *   as nothing, so `Sales` and `Sales` + U+202E look like one department. Refused
 *   in names and keys, or removed by --clean-names. Kept only where they do a
 *   job a reader sees: joiners inside emoji and between letters of scripts that
 *   shape with them (Arabic, Indic, ...), variation selectors after an emoji or
 *   an ideograph, tags in flag sequences.
 */

interface WellFormed {
  isWellFormed(): boolean;
}

/** Whether a string has an unpaired surrogate (ES2024's isWellFormed, which Node 20 has). */
export function hasLoneSurrogate(s: string): boolean {
  return !(s as unknown as WellFormed).isWellFormed();
}

/**
 * Whether a value, or any key or text inside it (lists and objects from YAML or
 * JSON), has an unpaired surrogate. Iterative: nesting is bounded by the
 * readers, but no walk here recurses.
 */
export function containsLoneSurrogate(value: unknown): boolean {
  if (typeof value === 'string') return hasLoneSurrogate(value);
  if (typeof value !== 'object' || value === null) return false;
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const v = pending.pop();
    if (typeof v === 'string') {
      if (hasLoneSurrogate(v)) return true;
    } else if (Array.isArray(v)) {
      for (const item of v) pending.push(item);
    } else if (typeof v === 'object' && v !== null) {
      for (const key of Object.keys(v)) {
        if (hasLoneSurrogate(key)) return true;
        pending.push((v as Record<string, unknown>)[key]);
      }
    }
  }
  return false;
}

export const LONE_SURROGATE_MESSAGE =
  'contains an unpaired UTF-16 surrogate (such as "\\ud800"), which is not a character and cannot be stored; fix the text in the source system';

const IGNORABLE = /\p{Default_Ignorable_Code_Point}/u;

const JOINING_LETTER = /[\p{L}\p{M}]/u;
/** Scripts whose letters never need a joiner: a joiner among them only hides a difference. */
const PLAIN_SCRIPT = /[\p{Script=Latin}\p{Script=Greek}\p{Script=Cyrillic}\p{Script=Common}\p{Script=Inherited}]/u;
const PICTOGRAPHIC = /\p{Extended_Pictographic}/u;
const EMOJI = /\p{Emoji}/u;
const EMOJI_MODIFIER = /\p{Emoji_Modifier}/u;
const IDEOGRAPH = /[\p{Ideographic}\p{Script=Han}]/u;
const MONGOLIAN = /\p{Script=Mongolian}/u;

const is = (re: RegExp, cp: number | undefined): boolean => cp !== undefined && re.test(String.fromCodePoint(cp));
const isJoiningLetter = (cp: number | undefined): boolean => is(JOINING_LETTER, cp) && !is(PLAIN_SCRIPT, cp);
const isTag = (cp: number | undefined): boolean => cp !== undefined && cp >= 0xe0020 && cp <= 0xe007f;
const isEmojiPart = (cp: number | undefined): boolean => is(PICTOGRAPHIC, cp) || is(EMOJI_MODIFIER, cp) || cp === 0xfe0f || isTag(cp);

/** Whether an ignorable character between `prev` and `next` does a visible job (see the top of the file). */
function hasJob(cp: number, prev: number | undefined, next: number | undefined): boolean {
  if (cp === 0x200d) return (isEmojiPart(prev) && is(PICTOGRAPHIC, next)) || (isJoiningLetter(prev) && isJoiningLetter(next));
  if (cp === 0x200c) return isJoiningLetter(prev) && isJoiningLetter(next);
  if (cp === 0xfe0e || cp === 0xfe0f) {
    // Keycaps (1️⃣) put the selector after an ASCII digit, # or *, then U+20E3.
    return (prev !== undefined && prev > 0x7f && is(EMOJI, prev)) || (next === 0x20e3 && prev !== undefined && /[0-9#*]/.test(String.fromCodePoint(prev)));
  }
  if ((cp >= 0xfe00 && cp <= 0xfe0d) || (cp >= 0xe0100 && cp <= 0xe01ef)) return is(IDEOGRAPH, prev);
  if ((cp >= 0x180b && cp <= 0x180d) || cp === 0x180f) return is(MONGOLIAN, prev);
  if (isTag(cp)) return prev === 0x1f3f4 || isTag(prev);
  return false;
}

const NAMES: Record<number, string> = {
  0x00ad: 'SOFT HYPHEN',
  0x034f: 'COMBINING GRAPHEME JOINER',
  0x061c: 'ARABIC LETTER MARK',
  0x200b: 'ZERO WIDTH SPACE',
  0x200c: 'ZERO WIDTH NON-JOINER',
  0x200d: 'ZERO WIDTH JOINER',
  0x200e: 'LEFT-TO-RIGHT MARK',
  0x200f: 'RIGHT-TO-LEFT MARK',
  0x202a: 'LEFT-TO-RIGHT EMBEDDING',
  0x202b: 'RIGHT-TO-LEFT EMBEDDING',
  0x202c: 'POP DIRECTIONAL FORMATTING',
  0x202d: 'LEFT-TO-RIGHT OVERRIDE',
  0x202e: 'RIGHT-TO-LEFT OVERRIDE',
  0x2060: 'WORD JOINER',
  0x2066: 'LEFT-TO-RIGHT ISOLATE',
  0x2067: 'RIGHT-TO-LEFT ISOLATE',
  0x2068: 'FIRST STRONG ISOLATE',
  0x2069: 'POP DIRECTIONAL ISOLATE',
  0x3164: 'HANGUL FILLER',
  0xfeff: 'ZERO WIDTH NO-BREAK SPACE',
};

/** `U+202E (RIGHT-TO-LEFT OVERRIDE)`: how a message names a character nobody can see. */
export function describeCodePoint(cp: number): string {
  const hex = `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
  const name = NAMES[cp];
  return name ? `${hex} (${name})` : hex;
}

/** The code points of `s` that are invisible formatting without a job, or undefined if none (the usual case, found by one regex test). */
function strayInvisibles(s: string): { index: number; cp: number }[] | undefined {
  if (!IGNORABLE.test(s)) return undefined;
  const chars = Array.from(s, (c) => c.codePointAt(0)!);
  const found: { index: number; cp: number }[] = [];
  for (let i = 0; i < chars.length; i++) {
    const cp = chars[i]!;
    if (is(IGNORABLE, cp) && !hasJob(cp, chars[i - 1], chars[i + 1])) found.push({ index: i, cp });
  }
  return found.length > 0 ? found : undefined;
}

/** What --clean-names removed, as its warning says it. */
export const INVISIBLE_REMOVED = 'invisible formatting characters';

export type InvisibleCheck = { ok: true; value: string; cleaned: boolean } | { ok: false; message: string };

/**
 * The invisible-character rule for a name or key: refused with a message naming
 * the first such character, or (clean) removed.
 */
export function checkInvisible(s: string, clean: boolean | undefined): InvisibleCheck {
  const stray = strayInvisibles(s);
  if (stray === undefined) return { ok: true, value: s, cleaned: false };
  if (!clean) {
    return {
      ok: false,
      message: `contains the invisible formatting character ${describeCodePoint(stray[0]!.cp)}, which makes it look like another value (--clean-names removes such characters)`,
    };
  }
  const drop = new Set(stray.map((x) => x.index));
  const value = Array.from(s)
    .filter((_, i) => !drop.has(i))
    .join('');
  return { ok: true, value, cleaned: true };
}

/**
 * A value as JSON text with invisible and unpaired characters escaped, for
 * messages and warnings: a U+202E printed raw would reverse the rest of the line.
 */
export function printable(s: string): string {
  return JSON.stringify(s).replace(/\p{Default_Ignorable_Code_Point}/gu, (c) => {
    const hex = c.codePointAt(0)!.toString(16);
    return hex.length > 4 ? `\\u{${hex}}` : `\\u${hex.padStart(4, '0')}`;
  });
}
