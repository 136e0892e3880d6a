/**
 * The fix-and-reimport report in the format the user came with: a workbook
 * for an .xlsx input; for a CSV input, the input's own delimiter, encoding and
 * byte order mark (a `;` file from a German Excel gets a `;` report, an Excel
 * "Unicode Text" file a tab-separated UTF-16 one). Pure: the caller reads the
 * first bytes of the input and writes the bytes returned here.
 */
import type { InputFormat } from '../model.js';
import type { TextEncoding } from '../read/decode.js';
import { SNIFF_CHARS, detectDelimiter } from '../read/detect.js';
import { type ErrorReportInput, errorReportCsv } from './errorCsv.js';
import { errorReportXlsx } from './errorXlsx.js';

export type ReportFormat = 'csv' | 'xlsx' | 'json';

/** The report's format: from the file name the user gave; without a known extension, the input's own (.xlsx for a workbook). */
export function reportFormatOf(path: string, input: InputFormat | undefined): ReportFormat {
  const lower = path.toLowerCase();
  if (lower.endsWith('.json')) return 'json';
  if (lower.endsWith('.xlsx')) return 'xlsx';
  if (lower.endsWith('.csv') || lower.endsWith('.tsv') || lower.endsWith('.txt')) return 'csv';
  return input === 'xlsx' ? 'xlsx' : 'csv';
}

export interface CsvStyle {
  delimiter: string;
  bom: boolean;
  encoding: 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252';
}

/** UTF-8 with BOM and commas: what Excel opens correctly anywhere, for inputs that were not CSV. */
export const DEFAULT_CSV_STYLE: CsvStyle = { delimiter: ',', bom: true, encoding: 'utf-8' };

/** The style of a CSV input, from its first bytes (and the encoding the user declared, if any). */
export function csvStyleOf(head: Uint8Array, declared?: TextEncoding): CsvStyle {
  let encoding: CsvStyle['encoding'] = declared === undefined || declared === 'auto' ? 'utf-8' : declared;
  let bom = false;
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) bom = true;
  else if (head[0] === 0xff && head[1] === 0xfe) [bom, encoding] = [true, 'utf-16le'];
  else if (head[0] === 0xfe && head[1] === 0xff) [bom, encoding] = [true, 'utf-16be'];
  const label = encoding === 'windows-1252' ? 'latin1' : encoding === 'utf-16be' ? 'utf-16be' : encoding;
  // Undecodable bytes only matter for counting delimiters here; the import itself decodes fatally.
  const text = new TextDecoder(label).decode(head.subarray(0, SNIFF_CHARS * 2));
  return { delimiter: detectDelimiter(text.replace(/^\uFEFF/, '')), bom, encoding };
}

/** Windows-1252's 0x80-0x9F block; the rest of the code page is Latin-1. */
const CP1252_HIGH = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ';

function encode(text: string, encoding: CsvStyle['encoding']): Uint8Array {
  if (encoding === 'utf-8') return new TextEncoder().encode(text);
  if (encoding === 'windows-1252') {
    const out = new Uint8Array(text.length);
    let n = 0;
    for (const ch of text) {
      const code = ch.codePointAt(0)!;
      const high = CP1252_HIGH.indexOf(ch);
      // A character the code page lacks (a CJK name in a Windows-1252 file) becomes `?`, as Excel's own export does.
      out[n++] = high !== -1 ? 0x80 + high : code < 0x100 && (code < 0x80 || code >= 0xa0) ? code : 0x3f;
    }
    return out.subarray(0, n);
  }
  const out = new Uint8Array(text.length * 2);
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    out[i * 2 + (encoding === 'utf-16le' ? 0 : 1)] = unit & 0xff;
    out[i * 2 + (encoding === 'utf-16le' ? 1 : 0)] = unit >> 8;
  }
  return out;
}

/** The report file's bytes, CSV in the input's style or an .xlsx workbook. */
export function errorReportBytes(input: ErrorReportInput, format: 'csv' | 'xlsx', style: CsvStyle = DEFAULT_CSV_STYLE, sheet?: string): Uint8Array {
  if (format === 'xlsx') return errorReportXlsx(input, { sheet });
  // csv-stringify writes the BOM as U+FEFF; encoding it gives each encoding's own mark.
  return encode(errorReportCsv(input, { delimiter: style.delimiter, bom: style.bom }), style.encoding);
}
