/**
 * Every migration, in order. Listed in code (not discovered on disk) so they
 * run the same from TypeScript sources under tsx/vitest and from a build.
 */
import { initialMigration } from './0001_initial.js';
import { stagingMigration } from './0002_staging.js';
import { membersMigration } from './0003_members.js';
import { tokensMigration } from './0004_tokens.js';
import { runOwnerMigration } from './0005_run_owner.js';
import { departmentExportOrderMigration } from './0007_department_export_order.js';
import type { OrgsyncMigration } from './types.js';
import { webhooksMigration } from './0008_webhooks.js';
import { approvalMigration } from './0009_approval.js';
import { historyMigration } from './0010_history.js';
import { authingKeysMigration } from './0011_authing_keys.js';
import { departmentPathPrefixMigration } from './0013_department_path_prefix.js';
import { departmentListingMigration } from './0014_department_listing.js';
import { departmentCreatedHistoryMigration } from './0015_department_created_history.js';

export const MIGRATIONS: readonly OrgsyncMigration[] = [initialMigration, stagingMigration, membersMigration, tokensMigration, runOwnerMigration, departmentExportOrderMigration, webhooksMigration, approvalMigration, historyMigration, authingKeysMigration, departmentPathPrefixMigration, departmentListingMigration, departmentCreatedHistoryMigration];
