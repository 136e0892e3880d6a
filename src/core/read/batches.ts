/**
 * Records handed out a batch at a time, besides one at a time.
 *
 * Each record taken from an async generator costs promises and turns of the
 * microtask queue (a `yield*` over an array awaits every element); the CSV
 * reader completes thousands of records per chunk it decodes, so the shape
 * stage takes them as the batches they are made in. Measured on the
 * 100,000-row bench file (readShapedRows alone, CPU of a fresh process,
 * median of 9 interleaved runs): 949 -> 865 ms.
 */
import type { SourceRecord } from '../model.js';

/** Records, one at a time or (when the reader offers it) in batches; iterated once, either way. */
export interface RecordBatches extends AsyncIterable<SourceRecord> {
  /** The same records, in the same order, a batch at a time. */
  batches?: () => AsyncIterable<readonly SourceRecord[]>;
}
