/**
 * Every migration, in order. Listed in code (not discovered on disk) so they
 * run the same from TypeScript sources under tsx/vitest and from a build.
 */
import { initialMigration } from './0001_initial.js';
import type { OrgsyncMigration } from './types.js';

export const MIGRATIONS: readonly OrgsyncMigration[] = [initialMigration];
