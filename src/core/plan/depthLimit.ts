/**
 * How deep a department may be. Every import and every department created
 * through the API is held to a maximum depth, so that what the planner accepts
 * is always something both databases store.
 *
 * The ceiling comes from the `path` column: TEXT on MySQL/MariaDB, at most
 * 65,535 bytes. A path is `/id/id/.../id` and an id is at most 32 bytes (the
 * id column; generated ids are `dept_` + a 26-character ULID, 31 bytes), so
 * 33 bytes a level: 65,535 / 33 = 1,985 levels always fit. Without a limit a
 * department at level ~2,048 failed at write time on MariaDB ("Data too long
 * for column 'path'"), and on SQLite a 200,000-deep chain wrote a 4 GB WAL:
 * the paths of a chain grow quadratically (sum of n * 32 bytes).
 *
 * The default, 100 levels, is four times what the strictest directories allow
 * (Feishu 25, WeCom 15) and far above real org charts, while a full chain of
 * it stays small: each path at most 3.3 KB, a 100-deep chain 160 KB of paths.
 */

/** Levels a department may have by default (a top-level department is level 1). */
export const DEFAULT_MAX_DEPTH = 100;

/** The most levels the path column holds for any id (see above): the cap on --max-depth. */
export const MAX_STORABLE_DEPTH = Math.floor(65_535 / 33);

/** The limit an import or a create works with: the one asked for, within what storage holds. */
export function effectiveMaxDepth(requested: number | undefined): number {
  return Math.min(requested ?? DEFAULT_MAX_DEPTH, MAX_STORABLE_DEPTH);
}
