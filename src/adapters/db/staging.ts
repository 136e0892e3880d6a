/**
 * Bytes kept with a run, where every worker can read them: the input of a
 * queued import, the plan a sync holds for approval, the row map of a retry.
 *
 * Stored in fixed-size chunks so that a statement never comes near
 * max_allowed_packet (4 MiB on old MySQL defaults, 16 MiB on MariaDB, 64 MiB on
 * MySQL 8): mysql2 sends a Buffer as a hex literal, so one 256 KiB chunk costs
 * 512 KiB of statement, and we put at most four in one INSERT.
 */
import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import type { Db } from './connection.js';
import { TABLES } from './tables.js';

/** preview: a dry run's or held run's plan as reviewed (app/heldPlan.ts), kept after the run. */
export type StagingKind = 'input' | 'plan' | 'rowmap' | 'preview';

export const STAGING_CHUNK_BYTES = 256 * 1024;
const CHUNKS_PER_STATEMENT = 4;
/** Chunks fetched per SELECT while reading: 2 MiB of result, whatever the file's size. */
const CHUNKS_PER_READ = 8;

export interface StagedBytes {
  sha256: string;
  size: number;
}

/** Re-cuts a stream of arbitrary pieces into chunks of exactly `size` bytes (the last may be shorter). */
async function* rechunk(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, size: number): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  for await (const piece of source) {
    let buf = Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
    while (pendingBytes + buf.length >= size) {
      const take = size - pendingBytes;
      pending.push(buf.subarray(0, take));
      // Copy: the source may reuse its buffer for the next piece.
      yield Buffer.concat(pending);
      pending = [];
      pendingBytes = 0;
      buf = buf.subarray(take);
    }
    if (buf.length > 0) {
      pending.push(Buffer.from(buf));
      pendingBytes += buf.length;
    }
  }
  if (pendingBytes > 0) yield Buffer.concat(pending);
}

export function stagingRepo(db: Db) {
  const table = (trx?: Knex.Transaction) => (trx ?? db.knex)(TABLES.importStaging);

  /** The stored bytes in order, a few chunks per query; nothing when none are stored. */
  async function* read(runId: string, kind: StagingKind, trx?: Knex.Transaction): AsyncGenerator<Buffer> {
    for (let next = 0; ; ) {
      const rows = (await table(trx)
        .select('chunk_no', 'data')
        .where({ run_id: runId, kind })
        .andWhere('chunk_no', '>=', next)
        .orderBy('chunk_no')
        .limit(CHUNKS_PER_READ)) as { chunk_no: unknown; data: Buffer }[];
      for (const row of rows) yield row.data;
      if (rows.length < CHUNKS_PER_READ) return;
      next = Number(rows.at(-1)!.chunk_no) + 1;
    }
  }

  async function has(runId: string, kind: StagingKind, trx?: Knex.Transaction): Promise<boolean> {
    return (await table(trx).select('chunk_no').where({ run_id: runId, kind }).first()) !== undefined;
  }

  return {
    /**
     * Stores `bytes` under (runId, kind), replacing what was there, and returns
     * their SHA-256. Run it in a transaction when a half-written copy must never
     * be visible (submission does).
     */
    async write(
      runId: string,
      kind: StagingKind,
      bytes: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
      trx?: Knex.Transaction,
    ): Promise<StagedBytes> {
      // Delete only what is there. A DELETE that matches nothing still takes a
      // gap lock (at the end of the index, where new run ids go), and two
      // submissions holding that gap then deadlock on their INSERTs: seen as
      // HTTP 500s with 8 uploads at once (`npm run load`). The check is a plain
      // consistent read, which locks nothing.
      if (await has(runId, kind, trx)) await table(trx).where({ run_id: runId, kind }).delete();
      const hash = createHash('sha256');
      let size = 0;
      let chunkNo = 0;
      let batch: Record<string, unknown>[] = [];
      for await (const chunk of rechunk(bytes, STAGING_CHUNK_BYTES)) {
        hash.update(chunk);
        size += chunk.length;
        batch.push({ run_id: runId, kind, chunk_no: chunkNo++, data: chunk });
        if (batch.length === CHUNKS_PER_STATEMENT) {
          await table(trx).insert(batch);
          batch = [];
        }
      }
      if (batch.length > 0) await table(trx).insert(batch);
      return { sha256: hash.digest('hex'), size };
    },

    read,

    has,

    async readAll(runId: string, kind: StagingKind, trx?: Knex.Transaction): Promise<Buffer | undefined> {
      const parts: Buffer[] = [];
      for await (const chunk of read(runId, kind, trx)) parts.push(chunk);
      return parts.length === 0 ? undefined : Buffer.concat(parts);
    },

    async remove(runId: string, kinds: readonly StagingKind[], trx?: Knex.Transaction): Promise<void> {
      await table(trx).where('run_id', runId).whereIn('kind', kinds).delete();
    },
  };
}

export type StagingRepo = ReturnType<typeof stagingRepo>;
