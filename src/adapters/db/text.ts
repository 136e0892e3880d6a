/** Length limits for text columns, so an over-long value from a bad input file cannot fail a write in strict mode. */

/**
 * The first `max` characters. MySQL counts VARCHAR lengths in code points, so
 * this never splits a surrogate pair and never exceeds the column.
 */
export function truncate(value: string, max: number): string {
  if (value.length <= max) return value; // UTF-16 length ≥ code points: short strings are common and cheap
  const codePoints = Array.from(value);
  return codePoints.length <= max ? value : codePoints.slice(0, max - 1).join('') + '…';
}

export function truncateOrNull(value: string | null | undefined, max: number): string | null {
  return value === null || value === undefined ? null : truncate(value, max);
}

/** TEXT holds 65,535 bytes: at 4 bytes per character (utf8mb4), 16,000 characters always fit. */
export const TEXT_MAX_CHARS = 16_000;
