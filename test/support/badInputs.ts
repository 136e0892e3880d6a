/**
 * The bad input corpus (fixtures/bad/): its manifest, the generators for the
 * files too big to commit, and the two ways of running one case, as a child
 * process (the real CLI) or in-process (the CLI's own option parsing, import
 * service and report writer, without the process start-up).
 */
import { repositories } from '../../src/adapters/db/index.js';
import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { z } from 'zod';
import type { Db } from '../../src/adapters/db/index.js';
import { fileSource } from '../../src/adapters/sources/file.js';
import { runImport } from '../../src/app/importService.js';
import { addImportOptions, importOptionsFromFlags, writeReportFile, type ImportFlags } from '../../src/cli/commands/import.js';
import { UsageError } from '../../src/cli/context.js';
import { exitCodeOf } from '../../src/cli/render.js';
import { FILE_ERROR_CODES, ROW_ERROR_CODES } from '../../src/core/errors.js';
import { REPO_ROOT, runCli } from './cli.js';

export const BAD_DIR = join(REPO_ROOT, 'fixtures', 'bad');
export const MANIFEST_NAME = 'expected.json';

const rowCode = z.enum(Object.keys(ROW_ERROR_CODES) as [keyof typeof ROW_ERROR_CODES]);
const fileCode = z.enum(Object.keys(FILE_ERROR_CODES) as [keyof typeof FILE_ERROR_CODES]);

const StoredSpec = z
  .object({
    code: z.string().nullable(),
    name: z.string(),
    nameLength: z.number().int(),
    nameBytes: z.number().int(),
    parent: z.string().nullable(),
    description: z.string().nullable(),
    openDepartmentId: z.string().nullable(),
    location: z.string().nullable(),
    customData: z.unknown(),
    isActive: z.boolean(),
  })
  .partial()
  .strict();
export type StoredSpec = z.infer<typeof StoredSpec>;

const BadCase = z
  .object({
    exitCode: z.union([z.literal(0), z.literal(1), z.literal(2), z.literal(3)]),
    fileError: fileCode.optional(),
    line: z.number().int().positive().optional(),
    /** [row, code]; the row may be a range "a-b". */
    rows: z.array(z.tuple([z.union([z.number().int(), z.string().regex(/^\d+-\d+$/)]), rowCode])).optional(),
    created: z.number().int().nonnegative().optional(),
    stored: z.array(StoredSpec).optional(),
    args: z.array(z.string()).optional(),
    seed: z.array(z.object({ org: z.string().optional(), text: z.string() }).strict()).optional(),
    template: z.boolean().optional(),
    generator: z.string().optional(),
    via: z.array(z.enum(['cli', 'in-process'])).min(1).optional(),
    report: z.array(z.object({ row: z.number().int(), column: z.string(), value: z.string() }).strict()).optional(),
    maxBytesRead: z.number().int().positive().optional(),
    maxSeconds: z.number().positive().optional(),
    todo: z.string().optional(),
    note: z.string().min(1),
  })
  .strict()
  .superRefine((c, ctx) => {
    const fail = (message: string) => ctx.addIssue({ code: 'custom', message });
    if ((c.exitCode === 1) !== (c.fileError !== undefined)) fail('fileError is given exactly when exitCode is 1');
    if ((c.exitCode === 3) !== (c.rows !== undefined && c.rows.length > 0)) fail('rows are given exactly when exitCode is 3');
    const writes = c.exitCode === 0 || c.exitCode === 3;
    if (!writes && (c.stored !== undefined || c.created !== undefined)) fail('stored/created only for runs that write');
    // "Exactly the valid rows": every run that writes says what the organization holds afterwards.
    if (writes && c.stored === undefined) fail('a run that writes needs stored');
    // Running a writing case twice would make the second run an update.
    if ((c.via?.length ?? 1) > 1 && (c.exitCode === 0 || c.exitCode === 3)) fail('a case that writes can run one way only');
  });
export type BadCase = z.infer<typeof BadCase>;

const Manifest = z.object({ $comment: z.string(), cases: z.record(z.string(), BadCase) }).strict();

export function loadManifest(): Record<string, BadCase> {
  return Manifest.parse(JSON.parse(readFileSync(join(BAD_DIR, MANIFEST_NAME), 'utf8'))).cases;
}

/** The organization a case imports into: its file name without the extension. */
export function caseOrg(fileName: string): string {
  return fileName.replace(/\.[^.]+$/, '');
}

/** The expected row errors, ranges expanded, sorted. */
export function expectedRows(c: BadCase): [number, string][] {
  const out: [number, string][] = [];
  for (const [row, code] of c.rows ?? []) {
    if (typeof row === 'number') out.push([row, code]);
    else {
      const [from, to] = row.split('-').map(Number) as [number, number];
      for (let r = from; r <= to; r++) out.push([r, code]);
    }
  }
  return sortRows(out);
}

export function sortRows(rows: [number, string][]): [number, string][] {
  return [...rows].sort((a, b) => a[0] - b[0] || a[1].localeCompare(b[1]));
}

// ---------------------------------------------------------------- generators

async function writeChunks(path: string, chunks: Iterable<string | Buffer>): Promise<void> {
  const out = createWriteStream(path);
  for (const chunk of chunks) {
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

const TEN_MB = 10 * 1024 * 1024;

/** Files too big (or too repetitive) to commit; each writes the case's file at `path`. */
export const generators: Record<string, (path: string) => Promise<void>> = {
  async unclosedQuoteAtEndOfLargeFile(path) {
    const lines = ['name,code,parentCode'];
    for (let i = 0; i < 20_000; i++) lines.push(`Dept ${i},C${i},${i === 0 ? '' : `C${i % 100}`}`);
    lines.push('Last,"LAST,C0');
    writeFileSync(path, `${lines.join('\n')}\n`);
  },
  async field10MbQuoted(path) {
    writeFileSync(path, `name,code,description\nBig,BIG,"${'x'.repeat(TEN_MB)}"\nSmall,SMALL,ok\n`);
  },
  async field10MbUnquoted(path) {
    writeFileSync(path, `name,code,description\nBig,BIG,${'x'.repeat(TEN_MB)}\nSmall,SMALL,ok\n`);
  },
  async yaml10MbDescription(path) {
    writeFileSync(path, `- name: Big\n  code: BIG\n  description: ${'x'.repeat(TEN_MB)}\n- name: Small\n  code: SMALL\n`);
  },
  async json10MbName(path) {
    writeFileSync(path, `[\n{"name":"${'n'.repeat(TEN_MB)}","code":"BIG"},\n{"name":"Small","code":"SMALL"}\n]\n`);
  },
  /** 200 MB of valid rows: only --max-rows stops it early. */
  async hugeCsv200Mb(path) {
    const block: string[] = [];
    for (let i = 0; i < 10_000; i++) block.push(`Department number ${String(i).padStart(6, '0')} of a huge export,CODE-%B-${i},`);
    const target = 200 * 1024 * 1024;
    function* chunks(): Generator<string> {
      yield 'name,code,parentCode\n';
      let written = 0;
      for (let b = 0; written < target; b++) {
        const text = `${block.join('\n').replaceAll('%B', String(b))}\n`;
        written += text.length;
        yield text;
      }
    }
    await writeChunks(path, chunks());
  },
  /** NDJSON streams like CSV: --max-rows stops it early. */
  async hugeNdjson100Mb(path) {
    const block: string[] = [];
    for (let i = 0; i < 10_000; i++) block.push(JSON.stringify({ name: `Department number ${String(i).padStart(6, '0')} of a huge export`, code: `CODE-%B-${i}` }));
    const target = 100 * 1024 * 1024;
    function* chunks(): Generator<string> {
      let written = 0;
      for (let b = 0; written < target; b++) {
        const text = `${block.join('\n').replaceAll('%B', String(b))}\n`;
        written += text.length;
        yield text;
      }
    }
    await writeChunks(path, chunks());
  },
  /** A JSON document too big to hold as one string (V8 strings stop at about 512 MB). */
  async hugeJson700Mb(path) {
    const row = `${JSON.stringify({ name: 'x'.repeat(200), code: 'C' })},\n`;
    const block = row.repeat(10_000);
    function* chunks(): Generator<string> {
      yield '[\n';
      for (let b = 0; b < 320; b++) yield block.replaceAll('"code":"C"', `"code":"C${b}"`);
      yield `${JSON.stringify({ name: 'Last', code: 'LAST' })}\n]\n`;
    }
    await writeChunks(path, chunks());
  },
  async yamlDeepFlow(path) {
    writeFileSync(path, `- name: Deep\n  code: DEEP\n  customData: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`);
  },
  async yamlDeepBlock(path) {
    const lines = ['- name: Deep', '  code: DEEP', '  customData:'];
    for (let i = 0; i < 3_000; i++) lines.push(`${' '.repeat(4 + 2 * i)}k${i}:`);
    writeFileSync(path, `${lines.join('\n')} leaf\n`);
  },
  async jsonDeep(path) {
    writeFileSync(path, `[{"name":"Deep","code":"DEEP","customData":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}}]\n`);
  },
  /** The attack of issue 11 item 2: 5.9 million one-column rows in 52 MB, under the 50 MiB upload limit. */
  async oneColumnRows52Mb(path) {
    function* chunks(): Generator<string> {
      yield 'name\n';
      for (let b = 0; b < 59; b++) {
        const block: string[] = [];
        for (let i = 0; i < 100_000; i++) block.push(`d${String(b * 100_000 + i).padStart(7, '0')}`);
        yield `${block.join('\n')}\n`;
      }
    }
    await writeChunks(path, chunks());
  },
  /** A chain of 6,000 departments whose top row fails (issue 11 item 4: the skip recursed once per level). */
  async deepFailedChain6000(path) {
    const lines = ['name,code,parentCode,isActive', 'Top,L0,,maybe'];
    for (let i = 1; i < 6_000; i++) lines.push(`Level ${i},L${i},L${i - 1},`);
    lines.push('Free,FREE,,');
    writeFileSync(path, `${lines.join('\n')}\n`);
  },
  /** A failed row over 16 MB (issue 11 item 7: its raw record made one statement over max_allowed_packet). */
  async json17MbDescription(path) {
    writeFileSync(path, `[\n{"name":"Big","code":"BIG","description":"${'x'.repeat(17 * 1024 * 1024)}"},\n{"name":"Small","code":"SMALL"}\n]\n`);
  },
  async cycle1000(path) {
    const lines = ['name,code,parentCode'];
    for (let i = 0; i < 1000; i++) lines.push(`Node ${i},K${i},K${(i + 1) % 1000}`);
    lines.push('Below the cycle,BELOW,K500', 'Free,FREE,');
    writeFileSync(path, `${lines.join('\n')}\n`);
  },
};

// ---------------------------------------------------------------- running a case

export interface CaseOutcome {
  exitCode: number;
  fileError?: { code: string; line?: number };
  errors: [number, string][];
  /** In-process only: bytes the import pulled from the file. */
  bytesRead?: number;
  seconds: number;
  stdout?: string;
  stderr?: string;
}

/** `orgsync import` in a child process with --json and --report. */
export async function runCase(file: string, org: string, args: readonly string[], reportPath: string, env: Record<string, string>): Promise<CaseOutcome> {
  const started = performance.now();
  const r = await runCli(['import', file, '--org', org, '--create-org', ...args, '--json', '--report', reportPath], env);
  const seconds = (performance.now() - started) / 1000;
  const base = { exitCode: r.code ?? -1, seconds, stdout: r.stdout, stderr: r.stderr };
  if (r.code === 2) return { ...base, errors: [] };
  const json = JSON.parse(r.stdout) as { errors: { row: number; code: string }[]; fileError?: { code: string; line?: number } };
  return {
    ...base,
    errors: sortRows(json.errors.map((e) => [e.row, e.code])),
    ...(json.fileError ? { fileError: { code: json.fileError.code, ...(json.fileError.line === undefined ? {} : { line: json.fileError.line }) } } : {}),
  };
}

/**
 * The same as `orgsync import FILE --org ORG --create-org ARGS --report PATH`,
 * in-process: commander parses the CLI's own options, importOptionsFromFlags
 * validates them, and the file is streamed to runImport as the CLI does.
 */
export async function runCaseInProcess(db: Db, file: string, org: string, args: readonly string[], reportPath: string): Promise<CaseOutcome> {
  const started = performance.now();
  const seconds = () => (performance.now() - started) / 1000;
  let parsed: { file: string; flags: ImportFlags } | undefined;
  const program = new Command().exitOverride().configureOutput({ writeOut: () => {}, writeErr: () => {} });
  addImportOptions(program.command('import <file>'))
    .option('--report <file>')
    .option('--json')
    .action((f: string, flags: ImportFlags) => {
      parsed = { file: f, flags };
    });
  try {
    await program.parseAsync(['import', file, '--org', org, '--create-org', ...args, '--report', reportPath], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) return { exitCode: 2, errors: [], seconds: seconds() };
    throw err;
  }
  const { flags } = parsed!;
  let options;
  try {
    options = importOptionsFromFlags(flags);
  } catch (err) {
    if (err instanceof UsageError) return { exitCode: 2, errors: [], seconds: seconds() };
    throw err;
  }
  const source = await fileSource(parsed!.file);
  let bytesRead = 0;
  async function* counted(): AsyncGenerator<Uint8Array> {
    for await (const chunk of source.bytes) {
      bytesRead += chunk.length;
      yield chunk;
    }
  }
  const report = await runImport(repositories(db), { organizationCode: flags.org, source: { name: source.name, bytes: counted() }, options, lockTimeoutSeconds: 30 });
  if (flags.report) await writeReportFile(flags.report, report);
  return {
    exitCode: exitCodeOf(report),
    errors: sortRows(report.errors.map((e) => [e.row, e.code])),
    ...(report.fileError ? { fileError: { code: report.fileError.code, ...(report.fileError.line === undefined ? {} : { line: report.fileError.line }) } } : {}),
    bytesRead,
    seconds: seconds(),
  };
}
