/**
 * The import options as command-line flags, for `import`, `enqueue` and
 * `schedule add`. The options schema (core/importOptions.ts) is the source:
 * each of its options is a flag named after it (`dryRun` is `--dry-run`), as
 * HTTP names its fields, and this table only adds what a command line needs
 * (the value's placeholder, a line of help, how to read the text). The table
 * is typed over the schema's keys, so an option without a flag does not
 * compile; choices and bounds come from the schema, so they cannot drift.
 *
 * Values are checked here, with messages that name the flag as typed
 * (`--max-depth must be a whole number, got "abc"`), then parsed by the schema.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { z } from 'zod';
import { type ImportOptions, ImportOptionsSchema, parseDeactivationLimit } from '../core/importOptions.js';
import { DEFAULT_MAX_DEPTH, MAX_STORABLE_DEPTH } from '../core/plan/depthLimit.js';
import { TEXT_ENCODINGS } from '../core/read/decode.js';
import { parseSmallDocument } from '../core/read/smallDocument.js';
import { UsageError } from './context.js';

type OptionName = keyof typeof ImportOptionsSchema.shape;

interface FlagSpec {
  /** The value's placeholder in the help; none for a switch (`--dry-run`). */
  value?: string;
  help: string;
  /** The flag's text as the schema's input; throws a UsageError that names the flag. */
  parse?: (text: string, flag: string) => unknown;
}

const wholeNumber = (text: string, flag: string): number => {
  if (!/^\s*\d+\s*$/.test(text)) throw new UsageError(`${flag} must be a whole number, got "${text}"`);
  return Number(text);
};

const deactivationLimit = (text: string, flag: string): string => {
  if (!parseDeactivationLimit(text)) throw new UsageError(`${flag} must be a count (e.g. 15) or a percentage up to 100% (e.g. 20%), got "${text}"`);
  return text;
};

/** In help order. Enumerations get their choices from the schema, in the help and in the check. */
const FLAGS: { readonly [K in OptionName]: FlagSpec } = {
  createOrg: { help: 'create the organization if it does not exist' },
  orgName: { value: 'name', help: 'name of an organization created with --create-org' },
  nameScope: { value: 'scope', help: 'where department names must be unique (with --create-org)' },
  mode: { value: 'mode', help: 'sync treats the file as a full export: absent departments are deactivated (default upsert)' },
  dryRun: { help: 'plan and report, write nothing' },
  atomic: { help: 'write nothing if any row fails' },
  parentRef: { value: 'type', help: 'how parent references are looked up' },
  matchBy: { value: 'key', help: 'how rows find existing departments' },
  maxDepth: { value: 'n', help: `maximum number of levels (default ${DEFAULT_MAX_DEPTH}, at most ${MAX_STORABLE_DEPTH})`, parse: wholeNumber },
  maxDeactivate: { value: 'n|p%', help: 'sync mode: most departments a run may deactivate (default 20%)', parse: deactivationLimit },
  maxRows: { value: 'n', help: 'refuse files with more rows than this (default and ceiling: ORGSYNC_MAX_ROWS_PER_RUN, 1000000)', parse: wholeNumber },
  format: { value: 'format', help: 'the file format (default: from the file name or content)' },
  mapping: { value: 'file', help: 'a YAML file naming your columns in our vocabulary, with shape options (see docs/formats.md)', parse: (path) => readMappingFile(path) },
  encoding: { value: 'name', help: `${TEXT_ENCODINGS.join('|')} (default: from the byte order mark, else UTF-8)` },
  sheet: { value: 'name|n', help: 'Excel (.xlsx): the sheet to import, by name or number from 1 (default: the first sheet with data)' },
  pathColumn: { value: 'column', help: 'one column holds the department path, e.g. "Company > Engineering > Backend"' },
  pathSeparator: { value: 'text', help: 'what separates the levels of --path-column (default " > ")' },
  levelColumns: { value: 'columns', help: 'comma-separated columns from the top level down, e.g. Division,Department,Team' },
  memberColumn: { value: 'column', help: 'each row is a member (employee) of its department: sync department_members' },
  repeatedRows: { help: 'rows may repeat a department (one row per employee or per parent): merge identical ones' },
  keepUnknownColumns: { help: 'keep columns that match no field in customData instead of ignoring them' },
  strict: { help: 'fail the file when a column looks like a misspelled field or a parent reference but maps to nothing (default: a warning)' },
  cleanNames: { help: 'remove control characters from names, and invisible formatting characters (bidi overrides, zero-width spaces) from names and keys, each change a warning, instead of failing the row' },
};

const OPTION_NAMES = Object.keys(FLAGS) as OptionName[];

/** `maxDepth` -> `--max-depth`: the schema's name, as HTTP also accepts it. */
export function flagOf(name: string): string {
  return `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

function choicesOf(name: OptionName): readonly string[] | undefined {
  let schema: unknown = ImportOptionsSchema.shape[name];
  while (schema instanceof z.ZodDefault || schema instanceof z.ZodOptional) schema = schema.unwrap();
  return schema instanceof z.ZodEnum ? (schema.options as string[]) : undefined;
}

function parserOf(name: OptionName): (text: string, flag: string) => unknown {
  const choices = choicesOf(name);
  if (choices) {
    return (text, flag) => {
      if (!choices.includes(text)) throw new UsageError(`${flag} must be one of ${choices.join(', ')}; got "${text}"`);
      return text;
    };
  }
  return FLAGS[name].parse ?? ((text) => text);
}

/**
 * The flags of every command that imports: `--org` and the import options.
 * `import` may leave --org out when the file (`organization:` in YAML/JSON) or
 * the mapping names the organization (docs/formats.md); queued commands need it.
 */
export function addImportOptions(cmd: Command, opts: { orgFromFile?: boolean; defaultMode?: 'upsert' | 'sync' } = {}): Command {
  if (opts.orgFromFile) cmd.option('--org <code>', "organization code (default: the file's or the mapping's organization:)");
  else cmd.requiredOption('--org <code>', 'organization code (organizationCode)');
  for (const name of OPTION_NAMES) {
    const { value } = FLAGS[name];
    // One story per command: `schedule add` syncs by default, and its --mode help says so.
    const help = name === 'mode' && opts.defaultMode ? FLAGS[name].help.replace('(default upsert)', `(default ${opts.defaultMode})`) : FLAGS[name].help;
    const choices = choicesOf(name);
    cmd.option(value === undefined ? flagOf(name) : `${flagOf(name)} <${value}>`, choices ? `${choices.join('|')}: ${help}` : help);
  }
  return cmd;
}

/** What commander hands an action of a command with addImportOptions: switches are true, other flags their text. */
export type ImportFlags = { org: string; report?: string; json?: boolean } & { [K in OptionName]?: string | boolean };

/** The flags given, checked and parsed by the options schema; a bad value is a UsageError (exit 2) naming its flag. */
export function importOptionsFromFlags(flags: ImportFlags): ImportOptions {
  const input: Record<string, unknown> = {};
  for (const name of OPTION_NAMES) {
    const given = flags[name];
    if (given !== undefined) input[name] = typeof given === 'string' ? parserOf(name)(given, flagOf(name)) : given;
  }
  const parsed = ImportOptionsSchema.safeParse(input);
  if (!parsed.success) throw new UsageError(parsed.error.issues.map((issue) => inFlagWords(issue, flags)).join('; '));
  return parsed.data;
}

/** A schema issue in the words of the command line: the flag as typed, the value as given. */
function inFlagWords(issue: z.core.$ZodIssue, flags: ImportFlags): string {
  const [name, ...inside] = issue.path;
  // Issues of combinations (--path-column with --level-columns) are already worded for people.
  if (typeof name !== 'string' || !(name in FLAGS)) return issue.message;
  const flag = flagOf(name);
  const given = flags[name as OptionName];
  const got = typeof given === 'string' ? `, got "${given}"` : '';
  const unit = issue.code === 'too_small' || issue.code === 'too_big' ? (issue.origin === 'string' ? ' characters' : issue.origin === 'number' ? '' : undefined) : undefined;
  if (issue.code === 'too_small' && unit !== undefined) {
    if (unit && Number(issue.minimum) === 1) return `${flag} must not be empty`;
    const least = issue.inclusive ? Number(issue.minimum) : FLAGS[name as OptionName].parse === wholeNumber ? Number(issue.minimum) + 1 : undefined;
    return `${flag} must be ${least === undefined ? `more than ${issue.minimum}` : `at least ${least}`}${unit}${got}`;
  }
  if (issue.code === 'too_big' && unit !== undefined) {
    return `${flag} must be ${issue.inclusive ? 'at most' : 'less than'} ${issue.maximum}${unit}${got}`;
  }
  const at = inside.length > 0 ? `, at ${inside.join('.')}` : '';
  // A mapping's content is checked here too: name the file, and where in it.
  if (name === 'mapping' && typeof given === 'string') return `the mapping file ${given}${at}: ${issue.message}`;
  return `${flag}${at}: ${issue.message}`;
}

/** Reads and parses a mapping file; its content is validated with the other options. */
export function readMappingFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(code === 'ENOENT' ? `no such mapping file: ${path}` : `cannot read the mapping file ${path} (${code ?? 'error'})`);
  }
  try {
    // The one guarded parser for small YAML/JSON texts (size, depth, aliases).
    return parseSmallDocument(text, 'yaml') ?? {};
  } catch (err) {
    throw new UsageError(`the mapping file ${path} is not usable YAML: ${(err as Error).message.split('\n')[0]}`);
  }
}
