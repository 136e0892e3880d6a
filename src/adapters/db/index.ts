/** The database adapter's public API. */
export { type Db, type Dialect, openDatabase } from './connection.js';
export { migrateLatest, migrateRollbackAll, pendingMigrations } from './migrate.js';
export { checkDatabase, DatabaseCheckError } from './serverCheck.js';
export { type NewOrganization, type OrganizationsRepo, organizationsRepo } from './organizations.js';
export {
  type ApplyResult,
  type DepartmentCounts,
  type DepartmentsRepo,
  departmentsRepo,
  nameScopeKey,
} from './departments.js';
export {
  type FailedRow,
  FINAL_RUN_STATUSES,
  type FinishRun,
  type ImportRunRecord,
  type ImportRunStatus,
  type ImportRunsRepo,
  importRunsRepo,
  type NewImportRun,
  RUN_ABANDONED,
  type RowResultsInput,
  type RunError,
  type StoredRowAction,
  type StoredRowResult,
  type UnfinishedJobRun,
} from './importRuns.js';
export { STAGING_CHUNK_BYTES, type StagedBytes, type StagingKind, type StagingRepo, stagingRepo } from './staging.js';
export { DatabaseCapacityError, type LockOptions, LockTimeoutError, organizationLockName, withDepartmentWrite, withOrganizationLock } from './lock.js';
export { describeError, isConnectionError, isDuplicateKeyError, isTransientConflict, isTransientDbError } from './dbErrors.js';
export { type MembersRepo, membersRepo } from './members.js';
export { TABLES } from './tables.js';
export { type DepartmentFilter, type DepartmentView, type DepartmentViews, departmentViews } from './departmentViews.js';
export { departmentExportSource } from './departmentExport.js';
export { type ApiTokenRecord, type ApiTokensRepo, apiTokensRepo } from './apiTokens.js';
export { repositories } from './repositories.js';
