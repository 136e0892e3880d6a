/**
 * The CLI's import flags are derived from the one options schema
 * (src/cli/importFlags.ts): one flag per option, named as HTTP names its
 * fields, giving the same options as HTTP for the same values, and bad values
 * refused with messages that name the flag as typed.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { importOptionsFrom, optionNames } from '../../src/adapters/http/importOptionsInput.js';
import { addImportOptions, type ImportFlags, importOptionsFromFlags } from '../../src/cli/commands/import.js';
import { ImportOptionsSchema } from '../../src/core/importOptions.js';
import { MAX_STORABLE_DEPTH } from '../../src/core/plan/depthLimit.js';

/** Parses `args` as `orgsync import x.csv --org acme ARGS` does, and returns the import options. */
function cliOptions(args: readonly string[]) {
  let flags: ImportFlags | undefined;
  const program = new Command().exitOverride().configureOutput({ writeOut: () => {}, writeErr: () => {} });
  addImportOptions(program.command('import <file>')).action((_file: string, f: ImportFlags) => {
    flags = f;
  });
  program.parse(['import', 'x.csv', '--org', 'acme', ...args], { from: 'user' });
  return importOptionsFromFlags(flags!);
}

const flagNames = (cmd: Command) => cmd.options.map((o) => o.long!);

const work = mkdtempSync(join(tmpdir(), 'dup-import-flags-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const badMapping = join(work, 'fr.yaml');
writeFileSync(badMapping, 'columns:\n  Nom: surname\nmemberColumns: Matricule\n');

describe('import flags', () => {
  it('one flag per option of the schema, named like the HTTP fields (kebab-case), plus --org', () => {
    const cmd = addImportOptions(new Command('import'));
    const expected = Object.keys(ImportOptionsSchema.shape).map((n) => `--${n.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
    expect(flagNames(cmd).sort()).toEqual(['--org', ...expected].sort());
    expect(optionNames().sort()).toEqual(Object.keys(ImportOptionsSchema.shape).sort());
  });

  it('every flag gives the options HTTP gives for the same field and value', () => {
    const given: [flag: string, value?: string][] = [
      ['create-org'],
      ['org-name', 'ACME Corp'],
      ['name-scope', 'siblings'],
      ['mode', 'sync'],
      ['dry-run'],
      ['atomic'],
      ['parent-ref', 'code'],
      ['match-by', 'name'],
      ['max-depth', '12'],
      ['max-deactivate', '5%'],
      ['max-rows', '500'],
      ['format', 'csv'],
      ['encoding', 'windows-1252'],
      ['level-columns', 'Division, Department,Team'],
      ['member-column', 'Employee'],
      ['repeated-rows'],
      ['keep-unknown-columns'],
      ['clean-names'],
    ];
    const args = given.flatMap(([flag, value]) => (value === undefined ? [`--${flag}`] : [`--${flag}`, value]));
    const fields = Object.fromEntries(given.map(([flag, value]) => [flag, value ?? 'true']));
    const fromCli = cliOptions(args);
    expect(fromCli).toEqual(importOptionsFrom([fields]));
    expect(fromCli).toMatchObject({ createOrg: true, dryRun: true, maxDepth: 12, maxDeactivate: { kind: 'percent', value: 5 }, levelColumns: ['Division', 'Department', 'Team'] });
    // The path column and its separator cannot go with level columns: given on their own.
    expect(cliOptions(['--path-column', 'Org Path', '--path-separator', ' / '])).toEqual(importOptionsFrom([{ 'path-column': 'Org Path', 'path-separator': ' / ' }]));
    // Nothing given: the schema's defaults.
    expect(cliOptions([])).toEqual(ImportOptionsSchema.parse({}));
  });

  it('refuses bad values with a message naming the flag and the value as typed', () => {
    const refused: [args: string[], message: string][] = [
      [['--max-depth', 'abc'], '--max-depth must be a whole number, got "abc"'],
      [['--max-depth', '2.5'], '--max-depth must be a whole number, got "2.5"'],
      [['--max-depth', String(MAX_STORABLE_DEPTH + 1)], `--max-depth must be at most ${MAX_STORABLE_DEPTH}, got "${MAX_STORABLE_DEPTH + 1}"`],
      [['--max-rows', '0'], '--max-rows must be at least 1, got "0"'],
      [['--max-rows', '-5'], '--max-rows must be a whole number, got "-5"'],
      [['--mode', 'merge'], '--mode must be one of upsert, sync; got "merge"'],
      [['--parent-ref', 'ID'], '--parent-ref must be one of auto, id, openDepartmentId, code; got "ID"'],
      [['--max-deactivate', 'lots'], '--max-deactivate must be a count (e.g. 15) or a percentage up to 100% (e.g. 20%), got "lots"'],
      [['--max-deactivate', '150%'], '--max-deactivate must be a count (e.g. 15) or a percentage up to 100% (e.g. 20%), got "150%"'],
      [['--org-name', '  '], '--org-name must not be empty'],
      [['--encoding', 'latin9'], '--encoding: unknown encoding "latin9"; use one of auto, utf-8, utf-16le, utf-16be, windows-1252'],
      [['--path-column', 'P', '--level-columns', 'A,B'], 'give either a path column (--path-column) or level columns (--level-columns), not both'],
      [['--mapping', '/nonexistent/map.yaml'], 'no such mapping file: /nonexistent/map.yaml'],
      [
        ['--mapping', badMapping],
        `the mapping file ${badMapping}, at columns.Nom: "surname" is not a department field (use a field such as name, code, openDepartmentId, parentCode, description, or "ignore"); ` +
          `the mapping file ${badMapping}: Unrecognized key: "memberColumns"`,
      ],
    ];
    for (const [args, message] of refused) {
      let error: unknown;
      try {
        cliOptions(args);
      } catch (err) {
        error = err;
      }
      expect({ args, error: error instanceof Error ? { name: error.name, message: error.message } : error }).toEqual({ args, error: { name: 'UsageError', message } });
    }
  });
});
