/**
 * How many rows one import run may read. A run keeps its rows and its plan in
 * memory until it ends (the lock's transaction may be retried and re-plan from
 * them; failed rows' records go into the error report), so the number of rows
 * is what bounds its memory. A legal 50 MiB upload holds ~6,000,000 one-column
 * rows; at ~1.3 KB each that exhausted Node's heap and killed the worker.
 */

/**
 * The ceiling when ORGSYNC_MAX_ROWS_PER_RUN is not set. Measured (docs/operations.md):
 * a 1,000,000-row run peaks at 1.16 GB RSS as a dry run and 1.2-1.8 GB applied, inside
 * Node's default heap (4 GB on a machine with 16 GB or more) with room for a second
 * run of a worker's default concurrency of 2, at ~1 GB of live heap each.
 */
export const DEFAULT_MAX_ROWS_PER_RUN = 1_000_000;

/**
 * The row limit of one run: its own --max-rows, never above the configured
 * ceiling, which is the memory bound and holds whatever a client asks for.
 */
export function rowLimitOf(requested: number | undefined, ceiling: number = DEFAULT_MAX_ROWS_PER_RUN): number {
  return requested === undefined ? ceiling : Math.min(requested, ceiling);
}
