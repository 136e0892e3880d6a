/**
 * Yes and no, as every face spells them: one definition, so a CLI switch, a
 * query field, a job's options and an environment variable all agree.
 *
 * - `booleanText`: the text `true`/`false`/`1`/`0` (query strings).
 * - `boolish`: a boolean, or that text (import options: JSON bodies, job
 *   payloads and query fields alike).
 * - `envFlag`: an on/off environment variable; unset or empty (`FLAG=` in an
 *   .env file) is off.
 *
 * Anything else (`yes`, `TRUE`, `ture`) is refused, not guessed: a misspelt
 * `dry-run=ture` must not quietly become a real import.
 */
import { z } from 'zod';

export const BOOLEAN_TEXT = ['true', 'false', '1', '0'] as const;

export const booleanText = z.enum(BOOLEAN_TEXT).transform((v) => v === 'true' || v === '1');

export const boolish = z.union([z.boolean(), booleanText]);

export const envFlag = z.preprocess((v) => (v === '' ? undefined : v), boolish.default(false));
