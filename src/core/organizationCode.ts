/**
 * Organization codes, made the same on both databases. MariaDB compares
 * organizations.code with a PAD SPACE collation (`'coll '` finds `'coll'`),
 * SQLite compares bytes (`'coll '` is a second organization): so the code is
 * normalised once, before it is compared or stored anywhere, and both
 * databases then compare identical strings.
 *
 * The rule: surrounding whitespace removed, Unicode NFC (an `é` typed as `e` +
 * combining accent is the `é` of another keyboard), and no control characters,
 * invisible formatting characters or unpaired surrogates (they would make two
 * codes that look the same). Case is kept: `Acme` and `acme` stay two
 * organizations, as they always were on both databases.
 */
import { FileError } from './errors.js';
import { hasLoneSurrogate } from './normalise/characters.js';

/** What organizations.code holds at most (a utf8mb4 index key). */
export const ORGANIZATION_CODE_MAX_CHARS = 191;

// C0/C1 controls and Unicode's invisible formatting characters (bidi controls, zero-width ones, BOM).
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\u0000-\u001F\u007F-\u009F\u00AD\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\uFEFF]/u;

/** The comparable form of a code: trimmed and NFC. Never throws: lookups of a bad code simply find nothing. */
export function normaliseOrganizationCode(text: string): string {
  return hasLoneSurrogate(text) ? text.trim() : text.trim().normalize('NFC');
}

/** Why `text` cannot be an organization code, or undefined when it can (after normalisation). */
export function organizationCodeProblem(text: string): string | undefined {
  const code = normaliseOrganizationCode(text);
  if (code === '') return 'the organization code is empty';
  if (hasLoneSurrogate(code)) return 'the organization code holds an unpaired UTF-16 surrogate';
  if (FORBIDDEN.test(code)) return 'the organization code holds a control or invisible formatting character';
  if ([...code].length > ORGANIZATION_CODE_MAX_CHARS) return `the organization code is longer than ${ORGANIZATION_CODE_MAX_CHARS} characters`;
  return undefined;
}

/** The normalised code, or a FileError INVALID_ORGANIZATION_CODE saying what is wrong with it. */
export function organizationCode(text: string): string {
  const problem = organizationCodeProblem(text);
  if (problem !== undefined) throw new FileError('INVALID_ORGANIZATION_CODE', `${problem}: ${JSON.stringify(text)}`);
  return normaliseOrganizationCode(text);
}
