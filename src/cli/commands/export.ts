/**
 * `orgsync export`: an organization's departments as a file `orgsync import`
 * reads back (app/exportDepartments.ts), written to standard output or a file
 * as it is read.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { extname } from 'node:path';
import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import { exportByCode } from '../../app/exportDepartments.js';
import { EXPORT_FORMATS, type ExportFormat, isExportFormat } from '../../core/export/formats.js';
import { UsageError, withRepositories } from '../context.js';

interface ExportFlags {
  org: string;
  format?: string;
  active?: boolean;
  output?: string;
}

const EXTENSIONS: Record<string, ExportFormat> = { '.csv': 'csv', '.xlsx': 'xlsx', '.json': 'json', '.yaml': 'yaml', '.yml': 'yaml', '.ndjson': 'ndjson', '.jsonl': 'ndjson' };

function formatOf(flags: ExportFlags, toFile: boolean): ExportFormat {
  if (flags.format !== undefined) {
    const format = flags.format.toLowerCase();
    if (!isExportFormat(format)) throw new UsageError(`--format must be one of ${EXPORT_FORMATS.join(', ')}, got "${flags.format}"`);
    return format;
  }
  return (toFile ? EXTENSIONS[extname(flags.output!).toLowerCase()] : undefined) ?? 'csv';
}

/** A reader that has gone away (`orgsync export | head`) is not a failure: there is nobody left to tell. */
function readerGone(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED';
}

/** Writes every chunk, waiting for the stream to drain, so memory holds one chunk. false: the reader went away. */
async function writeAll(out: Writable, chunks: AsyncIterable<string | Uint8Array>): Promise<boolean> {
  try {
    for await (const chunk of chunks) {
      if (out.destroyed) return false;
      if (!out.write(chunk)) await once(out, 'drain');
    }
    return true;
  } catch (err) {
    if (readerGone(err)) return false;
    throw err;
  }
}

const OPEN_ERRORS: Record<string, string> = {
  ENOENT: 'no such directory',
  EACCES: 'permission denied',
  EISDIR: 'it is a directory',
  EROFS: 'read-only file system',
};

/** A file is written beside its destination and renamed when complete, so a failed export leaves no half file. */
async function writeFile(path: string, chunks: AsyncIterable<string | Uint8Array>): Promise<void> {
  const partial = `${path}.partial-${process.pid}`;
  const out = createWriteStream(partial, { flags: 'wx' });
  try {
    await once(out, 'open').catch((err: NodeJS.ErrnoException) => {
      throw new UsageError(`--output: cannot write "${path}" (${OPEN_ERRORS[err.code ?? ''] ?? err.message})`, { cause: err });
    });
    await writeAll(out, chunks);
    out.end();
    await once(out, 'finish');
    await rename(partial, path);
  } catch (err) {
    out.destroy();
    await rm(partial, { force: true });
    throw err;
  }
}

export function registerExport(program: Command): void {
  program
    .command('export')
    .description('write the departments of an organization as a file that `orgsync import` reads back')
    .requiredOption('--org <code>', 'organization code')
    .option('--format <format>', `${EXPORT_FORMATS.join('|')} (default: from the --output file's extension, else csv)`)
    .option('--active', 'only active departments (default: inactive ones too, with isActive false)')
    .option('--output <file>', 'write to FILE; "-" or no --output: standard output')
    .action(async (flags: ExportFlags) => {
      const toFile = flags.output !== undefined && flags.output !== '-';
      const format = formatOf(flags, toFile);
      // A workbook is binary: on a terminal it is noise, so it must go to a file or a pipe.
      if (format === 'xlsx' && !toFile && process.stdout.isTTY) throw new UsageError('--format xlsx writes a binary workbook: give --output FILE.xlsx or redirect the output');
      await withRepositories(async (repos) => {
        const exported = await exportByCode(repos, flags.org, { format, activeOnly: flags.active === true });
        if (toFile) await writeFile(flags.output!, exported.chunks);
        else await writeAll(process.stdout, exported.chunks);
      });
    });
}
