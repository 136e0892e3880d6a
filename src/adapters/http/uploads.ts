/**
 * Receiving an import file over HTTP, either as the raw request body or as the
 * one file of a multipart form.
 *
 * The upload is spooled to a temporary file and checked whole BEFORE anything
 * is staged or enqueued: a body over the limit is refused with 413 as soon as
 * the limit is crossed, and a body that ends early (the client disconnected,
 * fewer bytes than Content-Length announced, a multipart form without its
 * closing boundary) is refused with 400. A partial file is never imported.
 * Spooling also keeps slow clients from holding a database transaction open
 * while they send.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyRequest } from 'fastify';
import type { ImportSource } from '../../app/importService.js';
import { ApiError } from './errors.js';

/**
 * Raw-body content types an import accepts, and the format each one implies;
 * null: the format is found from the content (a workbook is recognised by its
 * bytes, whatever a client calls it).
 */
export const RAW_UPLOAD_TYPES: Readonly<Record<string, 'csv' | 'yaml' | 'json' | 'ndjson' | null>> = {
  'text/csv': 'csv',
  'application/yaml': 'yaml',
  'application/x-yaml': 'yaml',
  'text/yaml': 'yaml',
  'application/json': 'json',
  'application/x-ndjson': 'ndjson',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': null,
  'application/octet-stream': null,
};

const impliedBy = (type: string): SpooledUpload['impliedFormat'] => RAW_UPLOAD_TYPES[type] ?? undefined;

export interface SpooledUpload {
  /** The source for submitImport: the spooled file, read as a stream. */
  source: ImportSource;
  size: number;
  /** The format the Content-Type (raw body) or the part's type implies, if any. */
  impliedFormat?: 'csv' | 'yaml' | 'json' | 'ndjson';
  /** Form fields of a multipart upload (the import options). */
  fields: Record<string, string>;
  /** Deletes the temporary file. */
  cleanup(): Promise<void>;
}

export const tooLarge = (limit: number): ApiError =>
  new ApiError(413, 'PAYLOAD_TOO_LARGE', `The upload is larger than the limit of ${limit} bytes; nothing was imported.`, { limit_bytes: limit });

export const incomplete = (why: string): ApiError =>
  new ApiError(400, 'UPLOAD_INCOMPLETE', `The upload ended before it was complete (${why}); nothing was imported. Send the file again.`);

const emptyBody = (): ApiError =>
  new ApiError(400, 'EMPTY_FILE', 'The request body is empty; send the file to import (Content-Type text/csv, application/yaml, application/json, application/x-ndjson, or for .xlsx application/vnd.openxmlformats-officedocument.spreadsheetml.sheet or application/octet-stream), or a multipart upload.');

/** Counts bytes through the pipe and stops it with 413 when the limit is crossed. */
function limiter(limit: number, counter: { bytes: number }): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      counter.bytes += chunk.length;
      if (counter.bytes > limit) done(tooLarge(limit));
      else done(null, chunk);
    },
  });
}

async function spoolTo(stream: Readable, limit: number): Promise<{ path: string; dir: string; size: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'orgsync-upload-'));
  const path = join(dir, 'upload');
  const counter = { bytes: 0 };
  try {
    await pipeline(stream, limiter(limit, counter), createWriteStream(path, { mode: 0o600 }));
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    if (err instanceof ApiError || (err as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') throw err;
    if ((err as { statusCode?: number }).statusCode === 413) throw tooLarge(limit);
    throw incomplete((err as Error).message || 'connection closed');
  }
  return { path, dir, size: counter.bytes };
}

function spooled(name: string, file: { path: string; dir: string; size: number }, fields: Record<string, string>, implied?: SpooledUpload['impliedFormat']): SpooledUpload {
  const bytes = createReadStream(file.path, { highWaterMark: 256 * 1024 });
  return {
    source: { name, bytes },
    size: file.size,
    ...(implied ? { impliedFormat: implied } : {}),
    fields,
    cleanup: async () => {
      // Closes the file if submission stopped before reading it all.
      bytes.destroy();
      await rm(file.dir, { recursive: true, force: true });
    },
  };
}

function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}

/** The request body as an import file. `name` (from ?filename=) helps format detection and the run history. */
export async function receiveRawUpload(request: FastifyRequest, limit: number, name: string): Promise<SpooledUpload> {
  const announced = request.headers['content-length'];
  if (announced !== undefined && Number(announced) > limit) throw tooLarge(limit);
  // No body at all (Fastify runs no parser then): nothing to import.
  if (request.body === undefined || request.body === null) throw emptyBody();
  const file = await spoolTo(request.body as Readable, limit);
  if (announced !== undefined && Number(announced) !== file.size) {
    await rm(file.dir, { recursive: true, force: true });
    throw incomplete(`received ${file.size} of ${announced} bytes`);
  }
  if (file.size === 0) {
    await rm(file.dir, { recursive: true, force: true });
    throw emptyBody();
  }
  return spooled(name, file, {}, impliedBy(mediaType(request.headers['content-type'])));
}

/** The one file of a multipart form, plus its other fields (the import options, in any order). */
export async function receiveMultipartUpload(request: FastifyRequest, limit: number): Promise<SpooledUpload> {
  const fields: Record<string, string> = {};
  let file: { name: string; spooled: { path: string; dir: string; size: number }; type: string } | undefined;
  try {
    for await (const part of request.parts({ limits: { fileSize: limit, files: 1, fields: 50, fieldSize: 4096, parts: 60 } })) {
      if (part.type === 'file') {
        const spooledFile = await spoolTo(part.file, limit);
        if ((part.file as { truncated?: boolean }).truncated) {
          await rm(spooledFile.dir, { recursive: true, force: true });
          throw tooLarge(limit);
        }
        file = { name: part.filename || 'upload', spooled: spooledFile, type: mediaType(part.mimetype) };
      } else {
        fields[part.fieldname] = String(part.value);
      }
    }
  } catch (err) {
    if (file) await rm(file.spooled.dir, { recursive: true, force: true });
    if (err instanceof ApiError || typeof (err as { statusCode?: number }).statusCode === 'number') throw err;
    throw incomplete((err as Error).message || 'the multipart form is malformed');
  }
  if (!file) throw new ApiError(400, 'FILE_REQUIRED', 'The multipart form has no file part; send the file as a form field of type file.', { field: 'file' });
  if (file.spooled.size === 0) {
    await rm(file.spooled.dir, { recursive: true, force: true });
    throw new ApiError(400, 'EMPTY_FILE', 'The uploaded file is empty.', { field: 'file' });
  }
  return spooled(file.name, file.spooled, fields, impliedBy(file.type));
}
