/** Table names, shared by the migration, the repositories and the server check. */
export const TABLES = {
  organizations: 'organizations',
  departments: 'departments',
  importRuns: 'import_runs',
  importRowResults: 'import_row_results',
  importLocks: 'import_locks',
  importStaging: 'import_staging',
  apiTokens: 'api_tokens',
  departmentMembers: 'department_members',
  webhooks: 'webhooks',
  webhookDeliveries: 'webhook_deliveries',
  webhookAttempts: 'webhook_attempts',
  departmentHistory: 'department_history',
  authingNonces: 'authing_nonces',
} as const;

export const ALL_TABLES: readonly string[] = Object.values(TABLES);
