/**
 * The one way to parse a small YAML or JSON text that does not come in as an
 * import file: a mapping given as a request field or a `--mapping` file, a
 * JSON request body. It gets the same guards as the file readers (size,
 * nesting depth, aliases) BEFORE a parser sees it: the yaml package composes
 * nodes recursively, and 2,000 nested `[` sent as `?mapping=` overflowed the
 * server's stack and then killed it with a fatal out-of-memory in V8's RegExp
 * compiler on the next request (issue 11, item 1). Nothing here recurses.
 */
import { parseDocument } from 'yaml';
import { FileError } from '../errors.js';
import { MAX_ALIASES, MAX_DEPTH, tooDeep } from './document.js';
import { syntaxError as jsonSyntaxError } from './json.js';
import { lineAt } from './lines.js';
import { findExcessiveNesting } from './yamlGuard.js';

/** Largest small document accepted: mappings are a few hundred bytes, JSON bodies are capped lower by the server. */
export const SMALL_DOCUMENT_MAX_BYTES = 256 * 1024;

export type SmallDocumentSyntax = 'yaml' | 'json';

function utf8Length(text: string): number {
  return new TextEncoder().encode(text).length;
}

/**
 * Offset of the first `[` or `{` nested deeper than `limit` in JSON-ish text
 * (strings skipped), or -1. Works on any text, valid JSON or not, so it can
 * run before JSON.parse.
 */
export function findExcessiveJsonNesting(text: string, limit = MAX_DEPTH): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 /* [ */ || c === 123 /* { */) {
      if (++depth > limit) return i;
    } else if ((c === 93 /* ] */ || c === 125) /* } */ && depth > 0) depth--;
  }
  return -1;
}

/** Depth of a parsed value (1 for a scalar), walked with an explicit stack. */
export function valueDepth(value: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (depth > deepest) deepest = depth;
    if (typeof node !== 'object' || node === null) continue;
    for (const child of Object.values(node)) if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
  }
  return deepest;
}

/**
 * Parses `text` as YAML (1.2 core schema, so JSON too; no merge keys; equal
 * keys refused; at most MAX_ALIASES aliases) or as strict JSON. Throws a
 * FileError: FILE_TOO_LARGE, INVALID_DOCUMENT (nested deeper than MAX_DEPTH),
 * YAML_SYNTAX_ERROR, JSON_SYNTAX_ERROR or TOO_MANY_ALIASES. A `__proto__` key
 * is kept as an own property (data), as JSON.parse does: the caller decides
 * whether it may be there.
 */
export function parseSmallDocument(text: string, syntax: SmallDocumentSyntax, maxBytes = SMALL_DOCUMENT_MAX_BYTES): unknown {
  // Characters never outnumber UTF-8 bytes: the cheap test first.
  if (text.length > maxBytes || utf8Length(text) > maxBytes) {
    throw new FileError('FILE_TOO_LARGE', `the text is larger than ${maxBytes} bytes, the most accepted here`, undefined, { maxBytes });
  }
  if (syntax === 'json') {
    const deepAt = findExcessiveJsonNesting(text);
    if (deepAt !== -1) throw tooDeep(lineAt(text, deepAt));
    try {
      return JSON.parse(text) as unknown;
    } catch (err) {
      throw jsonSyntaxError(text, err as SyntaxError);
    }
  }
  const deepLine = findExcessiveNesting(text);
  if (deepLine !== undefined) throw tooDeep(deepLine);
  const doc = parseDocument(text, { merge: false, uniqueKeys: true, version: '1.2', schema: 'core' });
  const problem = doc.errors[0];
  if (problem) {
    const line = problem.linePos?.[0]?.line;
    throw new FileError('YAML_SYNTAX_ERROR', `the YAML is malformed: ${problem.message.split('\n')[0]}`, line);
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIASES }) as unknown;
  } catch (err) {
    if (err instanceof ReferenceError && /excessive alias/i.test(err.message)) {
      throw new FileError('TOO_MANY_ALIASES', `the text uses more than ${MAX_ALIASES} aliases (*name references)`, undefined, {
        maxAliases: MAX_ALIASES,
      });
    }
    throw new FileError('YAML_SYNTAX_ERROR', `the YAML is malformed: ${(err as Error).message.split('\n')[0]}`);
  }
  // The pre-scan only estimates depth; the parsed value is measured exactly.
  if (valueDepth(value) > MAX_DEPTH) throw tooDeep();
  return value;
}
