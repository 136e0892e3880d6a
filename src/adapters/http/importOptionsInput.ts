/**
 * Import options from query-string or form fields, parsed by the one options
 * schema the CLI and the worker use (core/importOptions.ts). Names may be
 * written as the CLI flags (`dry-run`), in snake_case or in camelCase. An
 * unknown name is refused rather than ignored: a misspelt `dry_rn=true` must
 * not quietly become a real import.
 */
import { FileError } from '../../core/errors.js';
import { type ImportOptions, ImportOptionsSchema, parseImportOptions } from '../../core/importOptions.js';
import { parseSmallDocument } from '../../core/read/smallDocument.js';
import { ApiError } from './errors.js';

/** Query/form names that belong to the HTTP route, not to the import. */
const ROUTE_PARAMS = new Set(['wait', 'timeout', 'filename']);

const camel = (name: string): string => name.replace(/[-_]+([a-zA-Z0-9])/g, (_m, c: string) => c.toUpperCase());

export function optionNames(): string[] {
  return Object.keys(ImportOptionsSchema.shape);
}

export function importOptionsFrom(
  sources: readonly Record<string, unknown>[],
  impliedFormat?: string,
): ImportOptions {
  const known = new Set(optionNames());
  const input: Record<string, unknown> = {};
  for (const source of sources) {
    for (const [rawName, value] of Object.entries(source)) {
      if (ROUTE_PARAMS.has(rawName) || value === undefined) continue;
      const name = camel(rawName);
      if (!known.has(name)) {
        throw new ApiError(400, 'UNKNOWN_OPTION', `"${rawName}" is not an import option.`, { field: rawName, options: [...known] });
      }
      input[name] = name === 'mapping' && typeof value === 'string' ? parseMapping(value) : value;
    }
  }
  // The Content-Type names the format unless the client says otherwise.
  if (input.format === undefined && impliedFormat !== undefined) input.format = impliedFormat;
  const parsed = parseImportOptions(input);
  if (!parsed.ok) {
    const field = /^([A-Za-z]+)[.:]/.exec(parsed.message)?.[1] ?? 'options';
    throw new ApiError(400, 'INVALID_OPTION', parsed.message, { field });
  }
  return parsed.value;
}

/**
 * A mapping given inline as a form or query field: YAML (so JSON too), through
 * the same guarded parser as a mapping file, so no text from a request reaches
 * the YAML package unchecked (a deep `[[[...` once crashed the server).
 */
function parseMapping(text: string): unknown {
  try {
    return parseSmallDocument(text, 'yaml');
  } catch (err) {
    if (!(err instanceof FileError)) throw err;
    throw new ApiError(400, 'INVALID_OPTION', `mapping is not a usable YAML or JSON mapping: ${err.message}`, {
      field: 'mapping',
      reason: err.code,
      ...err.details,
    });
  }
}
