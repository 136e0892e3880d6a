/**
 * Bytes decoded at a time, so no text chunk is larger than 32 K UTF-16 units
 * (64 KB, below V8's 128 KB largest ordinary object). A file stream's 256 KB
 * chunk (more when the stream had read ahead) decoded whole was a large
 * object, promoted whenever a scavenge came while it was parsed, and the CSV
 * reader turned it into one batch of ~2,600-5,000 records alive while the
 * whole chunk was parsed and shaped. Batches that large were alive at the
 * scavenges of the reader's warm-up, so V8 pretenured the record and field
 * allocation sites (allocated them in the old generation from then on) and a
 * 1,000,000-row HRIS export's records became ~300 MB of old-generation
 * garbage, the heap's committed size ~290 MB (its live data ~90 MB). In
 * pieces, a batch is ~330 records that die young: measured 2026-12-05 on that
 * export (in-process, as bench scenario 8 runs it), peak RSS ~255-285 MB in
 * most runs instead of 373-409 MB, reading ~15% faster. Some runs (about a
 * third, only with the import's database work going on beside the read; never
 * in a dry run) still pretenure and peak at 360-420 MB: not understood yet.
 */
export const DECODE_PIECE_BYTES = 32 * 1024;

/** `chunk` in pieces of at most DECODE_PIECE_BYTES (views, not copies). */
export function* pieces(chunk: Uint8Array): Generator<Uint8Array> {
  if (chunk.length <= DECODE_PIECE_BYTES) {
    yield chunk;
    return;
  }
  for (let at = 0; at < chunk.length; at += DECODE_PIECE_BYTES) yield chunk.subarray(at, at + DECODE_PIECE_BYTES);
}
