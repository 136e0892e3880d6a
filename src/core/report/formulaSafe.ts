/**
 * CSV ("formula") injection defence for files people open in a spreadsheet.
 *
 * Follows the OWASP CSV Injection guidance: a cell that starts with `=`, `+`,
 * `-`, `@`, tab or carriage return is prefixed with a single quote, so Excel,
 * LibreOffice and Google Sheets show it as text instead of evaluating it.
 * Quoting of delimiters, quotes and line breaks is the CSV writer's job.
 *
 * Beyond the OWASP list, as defence in depth:
 * - the trigger is also looked for after leading whitespace (` =1+1`), since
 *   some spreadsheet imports trim cells before interpreting them;
 * - NUL (ASVS 5.0 lists it) and the full-width forms `＝ ＋ － ＠`, which some
 *   East Asian spreadsheet setups treat like their ASCII counterparts.
 *
 * The prefix changes the value: a cell like `-5` comes back as `'-5`. That is
 * the accepted trade-off of this defence.
 */

const TRIGGERS = new Set(['=', '+', '-', '@', '\t', '\r', '\0', '\uFF1D', '\uFF0B', '\uFF0D', '\uFF20']);

/** The first character after leading whitespace (tab and CR are triggers themselves, so they stop the scan). */
const FIRST_SIGNIFICANT = /^[^\S\t\r]*([\s\S])/u;

export function neutraliseFormula(cell: string): string {
  const first = FIRST_SIGNIFICANT.exec(cell)?.[1];
  return first !== undefined && TRIGGERS.has(first) ? `'${cell}` : cell;
}
