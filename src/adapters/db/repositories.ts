/**
 * Every repository the use cases need, built from one database: the ports of
 * src/app/ports.ts, implemented with Knex. The faces' wiring (the CLI's
 * context, the HTTP app's deps, the worker) calls this once per database.
 */
import type { Repositories } from '../../app/ports.js';
import { apiTokensRepo } from './apiTokens.js';
import type { Db } from './connection.js';
import { describeError, isDuplicateKeyError } from './dbErrors.js';
import { departmentExportSource } from './departmentExport.js';
import { departmentLookupRepo } from './departmentLookup.js';
import { departmentMembersRepo } from './departmentMembers.js';
import { departmentMovesRepo } from './departmentMoves.js';
import { departmentViews } from './departmentViews.js';
import { departmentWritesRepo } from './departmentWrites.js';
import { departmentsRepo } from './departments.js';
import { historyRepo } from './history.js';
import { importRunsRepo } from './importRuns.js';
import { withDepartmentWrite, withOrganizationLock } from './lock.js';
import { membersRepo } from './members.js';
import { organizationsRepo } from './organizations.js';
import { stagingRepo } from './staging.js';
import { webhooksStore } from '../webhooks/store.js';

export function repositories(db: Db): Repositories {
  return {
    runs: importRunsRepo(db),
    departments: departmentsRepo(db),
    departmentMembers: departmentMembersRepo(db),
    departmentMoves: departmentMovesRepo(db),
    departmentLookup: departmentLookupRepo(db),
    departmentReads: departmentViews(db),
    departmentWrites: departmentWritesRepo(db),
    departmentExport: departmentExportSource(db),
    organizations: organizationsRepo(db),
    members: membersRepo(db),
    staging: stagingRepo(db),
    tokens: apiTokensRepo(db),
    lock: {
      concurrentWhileLocked: db.dialect === 'mysql',
      withOrganizationLock: (code, fn, opts) => withOrganizationLock(db, code, fn, opts),
      // The same lock in shared mode: API writes run side by side, never beside an import (lock.ts).
      withDepartmentWrite: (code, fn, opts) => withDepartmentWrite(db, code, fn, opts),
    },
    transactions: { transaction: (fn) => db.knex.transaction(fn), isDuplicateKeyError, describeError },
    webhooks: webhooksStore(db),
    history: historyRepo(db),
  };
}
