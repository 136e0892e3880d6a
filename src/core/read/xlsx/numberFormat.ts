/**
 * A number cell as Excel displays it: the cell's number format applied to its
 * value. Covers what org charts hold: General, integers and fixed decimals,
 * thousands separators, percent, leading-zero codes (`00000`), literal text
 * (`"D-"000`), scientific, and dates and times (as ISO 8601 text, not in the
 * file's locale). Anything else falls back to General.
 */

/** Excel's built-in formats, by id (ECMA-376 part 1, 18.8.30). */
const BUILT_IN: Record<number, string> = {
  0: 'General', 1: '0', 2: '0.00', 3: '#,##0', 4: '#,##0.00', 9: '0%', 10: '0.00%', 11: '0.00E+00',
  14: 'yyyy-mm-dd', 15: 'd-mmm-yy', 16: 'd-mmm', 17: 'mmm-yy', 18: 'h:mm AM/PM', 19: 'h:mm:ss AM/PM',
  20: 'h:mm', 21: 'h:mm:ss', 22: 'yyyy-mm-dd h:mm', 37: '#,##0', 38: '#,##0', 39: '#,##0.00', 40: '#,##0.00',
  45: 'mm:ss', 46: '[h]:mm:ss', 47: 'mm:ss.0', 48: '##0.0E+0', 49: '@',
};

export function builtInFormat(id: number): string {
  // Ids 27-36 and 50-81 are locale-specific (East Asian) dates.
  if ((id >= 27 && id <= 36) || (id >= 50 && id <= 81)) return 'yyyy-mm-dd';
  return BUILT_IN[id] ?? 'General';
}

/** The first section (positive numbers); `;` inside quotes does not split. */
function firstSection(code: string): string {
  let quoted = false;
  for (let i = 0; i < code.length; i++) {
    const ch = code[i];
    if (ch === '"') quoted = !quoted;
    else if (ch === '\\') i++;
    else if (ch === ';' && !quoted) return code.slice(0, i);
  }
  return code;
}

/** Strips quoted literals, escapes and [..] brackets, to look at the placeholders only. */
function placeholders(code: string): string {
  return code.replace(/"[^"]*"/g, '').replace(/\\./g, '').replace(/\[[^\]]*\]/g, '');
}

export function isDateFormat(code: string): boolean {
  const bare = placeholders(firstSection(code));
  return /[ymdhs]/i.test(bare.replace(/General/gi, '').replace(/E[+-]/g, ''));
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** Serial date → ISO text; the 1900 system counts the non-existent 29 Feb 1900 (Lotus's bug). */
export function serialToIso(serial: number, date1904: boolean, code: string): string {
  let days = Math.floor(serial);
  if (!date1904 && days < 60) days += 1;
  const epoch = date1904 ? Date.UTC(1904, 0, 1) : Date.UTC(1899, 11, 30);
  const seconds = Math.round((serial - Math.floor(serial)) * 86400);
  const date = new Date(epoch + days * 86_400_000 + seconds * 1000);
  const bare = placeholders(firstSection(code)).toLowerCase();
  const hasDate = /[yd]/.test(bare) || /m/.test(bare.replace(/[hs][^a-z]*m+|m+[^a-z]*s/g, ''));
  const hasTime = /[hs]/.test(bare);
  const day = `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`;
  const time = `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
  if (hasDate && hasTime) return `${day}T${time}`;
  return hasTime ? time : day;
}

/** General: up to 15 significant digits, so 0.1+0.2 shows as 0.3 as in Excel. */
export function general(value: number): string {
  if (Number.isInteger(value) && Math.abs(value) < 1e15) return String(value);
  // Beyond 15 digits Excel shows 6 significant digits in scientific notation: 1.15292E+18.
  if (Math.abs(value) >= 1e15) {
    const [mantissa = '', exponent = ''] = value.toExponential(5).split('e');
    return `${mantissa.replace(/\.?0+$/, '')}E${exponent.startsWith('-') ? '-' : '+'}${exponent.replace(/^[+-]/, '').padStart(2, '0')}`;
  }
  return String(Number(value.toPrecision(15)));
}

function group(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Applies a numeric (non-date) format section to a non-negative value. */
function applyNumeric(value: number, section: string): string | undefined {
  // Split the section into literal text around one block of placeholders.
  const tokens = section.match(/"[^"]*"|\\.|\[[^\]]*\]|[0#?.,%]+(?:E[+-][0#]+)?|./gi) ?? [];
  let prefix = '';
  let suffix = '';
  let block: string | undefined;
  for (const token of tokens) {
    let literal: string;
    if (token.startsWith('"')) literal = token.slice(1, -1);
    else if (token.startsWith('\\')) literal = token.slice(1);
    else if (token.startsWith('[')) literal = /^\[\$([^-\]]*)/.exec(token)?.[1] ?? '';
    else if (/^[0#?.,%]/.test(token) && /[0#?]/.test(token)) {
      if (block !== undefined) return undefined; // fractions and other multi-block formats
      block = token;
      continue;
    } else if (token === '%') {
      value *= 100;
      literal = '%';
    } else if (token === '_' || token === '*') literal = '';
    else literal = token === '@' ? '' : token;
    if (block === undefined) prefix += literal;
    else suffix += literal;
  }
  if (block === undefined) return undefined;
  for (const ch of block) {
    if (ch !== '%') continue;
    value *= 100;
    suffix = `%${suffix}`;
  }
  const exponent = /E[+-]([0#]+)/i.exec(block);
  const mantissa = block.replace(/E[+-][0#]+/i, '').replace(/%/g, '');
  const [intPart = '', decPart = ''] = mantissa.split('.');
  const minDecimals = (decPart.match(/0/g) ?? []).length;
  const maxDecimals = (decPart.match(/[0#?]/g) ?? []).length;
  if (exponent) return `${prefix}${value.toExponential(maxDecimals).replace(/e([+-])(\d)$/, 'E$10$2').replace('e', 'E')}${suffix}`;
  let text = value.toFixed(maxDecimals);
  if (maxDecimals > minDecimals) text = text.replace(new RegExp(`0{1,${maxDecimals - minDecimals}}$`), '').replace(/\.$/, '');
  const [digits = '', fraction] = text.split('.');
  let whole = digits;
  const minInt = (intPart.match(/0/g) ?? []).length;
  if (whole === '0' && minInt === 0) whole = '';
  whole = whole.padStart(minInt, '0');
  if (intPart.includes(',')) whole = group(whole);
  return `${prefix}${whole}${fraction === undefined ? '' : `.${fraction}`}${suffix}`;
}

/** The text Excel shows for `value` under format `code`. */
export function formatNumber(value: number, code: string, date1904: boolean): string {
  if (!Number.isFinite(value)) return String(value);
  const section = firstSection(code);
  if (/^(General|@)?$/i.test(section.trim())) return general(value);
  if (isDateFormat(code)) return serialToIso(value, date1904, code);
  const text = applyNumeric(Math.abs(value), section);
  if (text === undefined) return general(value);
  return value < 0 && !/^-?0*(\.0*)?%?$/.test(text) ? `-${text}` : text;
}
