/**
 * What the use cases need from storage, as small interfaces (the ports).
 * src/adapters/db/repositories.ts builds them all from one database; a unit
 * test gives a use case in-memory fakes of the few it uses. A use case takes
 * only the ports it uses (`Pick<Repositories, 'runs' | 'staging'>`), so its
 * signature says what it touches.
 *
 * Transactions and the organization's lock are storage concerns: a use case
 * receives an opaque `Tx` from `lock.withOrganizationLock` or
 * `transactions.transaction` and passes it on, last and optional, as every
 * repository method takes it. Methods are declared as methods (not function
 * properties) so that an adapter's `Knex.Transaction` parameter fits `Tx`.
 */
// Record shapes the repositories read and write (types only; the ports do not depend on Knex).
import type { ApiTokenRecord } from '../adapters/db/apiTokens.js';
import type { DepartmentFilter, DepartmentRecord, DepartmentView, ListKey, TreeScope } from '../adapters/db/departmentViews.js';
import type { NewOrganization } from '../adapters/db/organizations.js';
import type { UnfinishedJobRun } from '../adapters/db/queuedRunQueries.js';
import type { FailedRow, RowResultsInput, StoredRowResult } from '../adapters/db/rowResults.js';
import type { FinishRun, ImportRunRecord, ImportRunStatus, NewImportRun, RunError } from '../adapters/db/runRecords.js';
import type { StagedBytes, StagingKind } from '../adapters/db/staging.js';
import type { ImportCounts, ImportPlan, InputFormat, JsonValue, MembersPlan, Organization, StoredDepartment } from '../core/model.js';
import type { RunOwner } from '../core/runLifecycle.js';
import type { WebhooksStore } from '../adapters/webhooks/store.js';
import type { HistoryFilter } from '../adapters/db/history.js';
import type { ChangeOrigin, DepartmentChange, HistoryEntry } from '../core/history/changes.js';
import type { DepartmentRef, UniqueField } from '../adapters/db/departmentWrites.js';


export type { ApiTokenRecord, DepartmentFilter, DepartmentRecord, DepartmentView, ListKey, TreeScope, FailedRow, ImportRunRecord, ImportRunStatus, NewImportRun, NewOrganization, RunError, StagingKind, StoredRowResult };

/** A storage transaction, opaque to the use cases: they only pass it on. */
export type Tx = unknown;

export interface RunsPort {
  createRun(input: NewImportRun, trx?: Tx): Promise<string>;
  startRun(id: string, owner?: RunOwner, trx?: Tx): Promise<boolean>;
  recordInput(id: string, input: { organizationCode?: string; sha256?: string; format?: InputFormat; columns?: readonly string[] }, trx?: Tx): Promise<void>;
  finishRun(id: string, result: FinishRun, trx?: Tx): Promise<boolean>;
  failRun(id: string, error: RunError, trx?: Tx): Promise<boolean>;
  cancelRun(id: string, error: RunError, trx?: Tx): Promise<boolean>;
  skipRun(id: string, reason: RunError, trx?: Tx): Promise<boolean>;
  holdForApproval(
    runId: string,
    hold: { counts: ImportCounts; error: RunError; fingerprint: string; warnings: readonly string[]; from: ImportRunStatus; lockAcquiredAt: Date },
    trx?: Tx,
  ): Promise<boolean>;
  reopenRun(runId: string, trx?: Tx): Promise<boolean>;
  recordApproval(runId: string, approvedBy: string, at: Date, trx?: Tx): Promise<void>;
  renewLeases(owner: RunOwner, trx?: Tx): Promise<number>;
  failAbandoned(now?: Date, trx?: Tx): Promise<string[]>;
  isStill(runId: string, expected: ImportRunStatus, trx?: Tx): Promise<boolean>;
  setProgress(runId: string, progress: { phase: string } & Record<string, JsonValue>, trx?: Tx): Promise<void>;
  getRun(id: string, trx?: Tx): Promise<ImportRunRecord | undefined>;
  listRuns(filter?: { organizationCode?: string; status?: ImportRunStatus; limit?: number }, trx?: Tx): Promise<ImportRunRecord[]>;
  insertRowResults(runId: string, input: RowResultsInput, rawByRow?: ReadonlyMap<number, Record<string, unknown>>, trx?: Tx): Promise<number>;
  getRowResults(runId: string, trx?: Tx): Promise<StoredRowResult[]>;
  unresolvedFailedRows(runId: string, trx?: Tx): Promise<FailedRow[]>;
  markResolved(runId: string, rowNumbers: readonly number[], byRunId: string, trx?: Tx): Promise<void>;
  findActiveSubmission(key: string, trx?: Tx): Promise<string | undefined>;
  /** Claims `key` for a queued run; a duplicate-key error when an identical submission holds it. */
  claimSubmission(runId: string, sha256: string, key: string, trx?: Tx): Promise<void>;
  syncSkipReason(organizationCode: string, sha256: string, trx?: Tx): Promise<string | undefined>;
  listUnfinishedJobRuns(filter: { createdBefore: Date; limit?: number }, trx?: Tx): Promise<UnfinishedJobRun[]>;
  pruneFinishedStaging(trx?: Tx): Promise<number>;
}

export interface DepartmentsPort {
  loadForOrganization(organizationId: string, trx?: Tx): Promise<StoredDepartment[]>;
  /** loadForOrganization for an import: `share` sees each department as it arrives, before anything else holds it (core/plan/loadTextSharing.ts). */
  loadForImport(organizationId: string, share: (d: StoredDepartment) => void, trx?: Tx): Promise<StoredDepartment[]>;
  /** Inside the caller's transaction (the lock's). */
  /** `createdHistoryId`: the run's creates row (HistoryPort.recordCreates), stored with each created department. */
  applyPlan(trx: Tx, org: Organization, plan: ImportPlan, at: { runId: string | null; now: Date; createdHistoryId?: number | null }, onWritten?: (rowsWritten: number) => void): Promise<unknown>;
  countByOrganization(organizationId: string, trx?: Tx): Promise<{ total: number; active: number }>;
}

/** Departments as the API shows them (timestamps, hasChildren): reads only, each bounded by what it returns (adapters/db/departmentViews.ts). */
export interface DepartmentReadsPort {
  get(organizationId: string, id: string): Promise<DepartmentView | undefined>;
  /** Keyset page in (name, id) order. */
  page(organizationId: string, filter: DepartmentFilter, page: { limit: number; after?: ListKey }): Promise<DepartmentView[]>;
  /** A tree's departments in depth-first (path) order, in chunks. */
  treeChunks(organizationId: string, scope: TreeScope): AsyncIterable<DepartmentRecord[]>;
  withChildren(organizationId: string, ids: readonly string[]): Promise<Set<string>>;
}

/** One department's indexed reads and writes for the department API (adapters/db/departmentWrites.ts). */
export interface DepartmentWritesPort {
  findId(organizationId: string, ref: DepartmentRef, trx?: Tx): Promise<string | undefined>;
  /** Row-locked until the transaction ends. */
  lockOne(trx: Tx, organizationId: string, id: string): Promise<StoredDepartment | undefined>;
  hasActiveChildren(trx: Tx, organizationId: string, id: string): Promise<boolean>;
  isActive(trx: Tx, organizationId: string, id: string): Promise<boolean>;
  update(trx: Tx, org: Organization, after: StoredDepartment, now: Date): Promise<{ conflict?: UniqueField }>;
  deactivateSubtree(trx: Tx, organizationId: string, root: StoredDepartment, now: Date): Promise<string[]>;
}

export interface OrganizationsPort {
  findByCode(code: string, trx?: Tx): Promise<Organization | undefined>;
  findById(id: string, trx?: Tx): Promise<Organization | undefined>;
  create(input: NewOrganization, trx?: Tx): Promise<Organization>;
  list(trx?: Tx): Promise<Organization[]>;
}

export interface MembersPort {
  loadForOrganization(organizationId: string, trx?: Tx): Promise<Map<string, Set<string>>>;
  applyMembers(trx: Tx, org: Organization, plan: MembersPlan, at: { runId: string; now: Date }): Promise<void>;
}

export interface StagingPort {
  write(runId: string, kind: StagingKind, bytes: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, trx?: Tx): Promise<StagedBytes>;
  read(runId: string, kind: StagingKind, trx?: Tx): AsyncIterable<Buffer>;
  has(runId: string, kind: StagingKind, trx?: Tx): Promise<boolean>;
  readAll(runId: string, kind: StagingKind, trx?: Tx): Promise<Buffer | undefined>;
  remove(runId: string, kinds: readonly StagingKind[], trx?: Tx): Promise<void>;
}

export interface TokensPort {
  insert(token: Omit<ApiTokenRecord, 'createdAt' | 'revokedAt'>): Promise<void>;
  findById(id: string): Promise<ApiTokenRecord | undefined>;
  /** findById plus the token's organization (undefined for an admin token without one), in one round trip. */
  findByIdWithOrganization(id: string): Promise<{ token: ApiTokenRecord; organization: Organization | undefined } | undefined>;
  /** Authing-style access keys (app/authingKeys.ts). */
  findByAccessKeyId(accessKeyId: string): Promise<ApiTokenRecord | undefined>;
  /** false when the key already used this nonce (a replay); kept until `expiresAt`. */
  claimNonce(accessKeyId: string, nonce: string, expiresAt: Date): Promise<boolean>;
  pruneNonces(now: Date): Promise<number>;
  revoke(id: string): Promise<boolean>;
  list(): Promise<ApiTokenRecord[]>;
}

/** The per-organization lock: two imports of one organization never interleave. `fn` runs in one transaction. */
export interface OrganizationLockPort {
  /**
   * Whether other connections read and write while an import holds the lock
   * (MySQL/MariaDB: yes; SQLite: no, its one connection holds the lock). When
   * they do, an import reads its file while it waits for the lock and while
   * the stored departments load (importService.ts).
   */
  readonly concurrentWhileLocked: boolean;
  withOrganizationLock<T>(organizationCode: string, fn: (trx: Tx) => Promise<T>, opts: { timeoutSeconds: number }): Promise<T>;
  /**
   * One API write of one department (create, update, move, deactivate, members):
   * never interleaves with an import of the organization, but does not queue
   * behind other API writes. Waits at most `timeoutSeconds` for an import, then
   * throws LockTimeoutError (ORGANIZATION_BUSY).
   */
  withDepartmentWrite<T>(organizationCode: string, fn: (trx: Tx) => Promise<T>, opts: { timeoutSeconds: number }): Promise<T>;
}

export interface TransactionsPort {
  /** `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (trx: Tx) => Promise<T>): Promise<T>;
  /** Whether `err` is a unique-key violation (an identical submission won a race). */
  isDuplicateKeyError(err: unknown): boolean;
  /** A storage error's message, trimmed (a driver's message carries the whole statement). */
  describeError(err: unknown, maxChars?: number): string;
}

/** Where the last export page ended: the next page starts after it. */
export interface ExportCursor {
  depth: number;
  id: string;
}

/** What an export reads (app/exportDepartments.ts): keyset pages, so memory holds one page. */
export interface DepartmentExportPort {
  /** Whether every department of the organization (active or not) has a value for `key`. */
  everyDepartmentHas(organizationId: string, key: 'code' | 'openDepartmentId'): Promise<boolean>;
  /** Up to `limit` departments after `after`, ordered by (depth, id); only active ones if `activeOnly`. */
  page(
    organizationId: string,
    opts: { activeOnly: boolean; after: ExportCursor | null; limit: number },
  ): Promise<import('../core/export/exportRecord.js').ExportDepartment[]>;
}

/** One department's members (adapters/db/departmentMembers.ts): writes keep member_count equal to the rows. */
export interface DepartmentMembersPort {
  add(trx: Tx, organizationId: string, departmentId: string, userId: string, now: Date): Promise<'added' | 'exists'>;
  remove(trx: Tx, organizationId: string, departmentId: string, userId: string): Promise<boolean>;
  page(organizationId: string, departmentId: string, opts: { limit: number; after: string | null }): Promise<{ userId: string; addedAt: string }[]>;
}

/**
 * The planner's view of the stored departments for one API create
 * (adapters/db/departmentLookup.ts): the rows core/plan/rowKeys.ts says a
 * one-row plan looks up, by indexed queries (a statement count independent
 * of the organization's size; core/plan's partialLookup makes them a view),
 * and the insert of the department planned, uniqueness left to the indexes.
 */
export interface DepartmentLookupPort {
  /** The parent candidates, share-locked until the transaction ends (a concurrent move or deactivation of the parent waits). */
  lockParents(trx: Tx, organizationId: string, keys: import('../core/plan/rowKeys.js').RowLookupKeys): Promise<StoredDepartment[]>;
  /** The parents' ancestors and the holders of the row's id, code, openDepartmentId and name (in its scope), with `parents`. */
  candidates(trx: Tx, org: Organization, keys: import('../core/plan/rowKeys.js').RowLookupKeys, parents: readonly StoredDepartment[]): Promise<StoredDepartment[]>;
  /** Inserts the planned department; a unique index's refusal (a concurrent request won) comes back as its field. */
  insert(trx: Tx, org: Organization, department: StoredDepartment, now: Date): Promise<{ conflict?: UniqueField }>;
  /**
   * The whole create in one transaction under the organization's shared
   * lock, when the adapter can do it in fewer round trips than the steps
   * above (MySQL/MariaDB, adapters/db/departmentCreate.ts): the parents
   * share-locked and every candidate read, `decide` called with them (as
   * `candidates` returns them), and what it decided inserted with its history.
   * Same lock, timeout and retries as lock.withDepartmentWrite.
   */
  create?<T>(
    org: Organization,
    keys: import('../core/plan/rowKeys.js').RowLookupKeys,
    decide: (fetched: StoredDepartment[]) => CreateDecision<T> | Promise<CreateDecision<T>>,
    opts: { timeoutSeconds: number },
  ): Promise<{ decision: CreateDecision<T>; conflict?: UniqueField }>;
}

/** What a create decided from the rows it read: its answer, and the department to insert with its history (none: no write). */
export interface CreateDecision<T> {
  result: T;
  insert?: { department: StoredDepartment; changes: Iterable<DepartmentChange>; origin: ChangeOrigin; now: Date };
}

/** Moving a subtree with indexed lookups and set-based statements (adapters/db/departmentMoves.ts). */
export interface DepartmentMovesPort {
  /** `lock`: read the latest committed row and lock it until the transaction ends (update: exclusively; share: against writers). */
  findBy(trx: Tx, organizationId: string, key: 'id' | 'code' | 'open_department_id', value: string, lock?: 'update' | 'share'): Promise<StoredDepartment | undefined>;
  /** Locks the subtree's rows exclusively (they are about to move). */
  deepestBelow(trx: Tx, department: StoredDepartment): Promise<number>;
  move(trx: Tx, department: StoredDepartment, parent: StoredDepartment | null, nameScope: Organization['nameScope'], now: Date): Promise<void>;
}

export interface Repositories {
  runs: RunsPort;
  departmentMembers: DepartmentMembersPort;
  departmentMoves: DepartmentMovesPort;
  departmentLookup: DepartmentLookupPort;
  departmentExport: DepartmentExportPort;
  departments: DepartmentsPort;
  departmentReads: DepartmentReadsPort;
  departmentWrites: DepartmentWritesPort;
  organizations: OrganizationsPort;
  members: MembersPort;
  staging: StagingPort;
  tokens: TokensPort;
  lock: OrganizationLockPort;
  transactions: TransactionsPort;
  history: HistoryPort;
  /** Optional: a fake without it announces nothing (app/webhooks.ts). */
  webhooks?: WebhooksPort;
}

/** Department history (adapters/db/history.ts): written in the transaction of the change it records. */
export interface HistoryPort {
  record(trx: Tx, organizationId: string, changes: Iterable<DepartmentChange>, origin: ChangeOrigin, now: Date): Promise<number>;
  /** One row standing for all of a run's creates; returns its id, for departments.applyPlan's createdHistoryId. */
  recordCreates(trx: Tx, organizationId: string, origin: ChangeOrigin, now: Date): Promise<number>;
  list(filter: HistoryFilter, trx?: Tx): Promise<HistoryEntry[]>;
  /** For a revert: every entry of the run, an import's creates as stored (after null; list() rebuilds their records, adapters/db/historyCreated.ts). */
  ofRun(runId: string, trx?: Tx): Promise<HistoryEntry[]>;
  laterChanges(organizationId: string, departmentIds: readonly string[], afterId: number, runId: string, trx?: Tx): Promise<HistoryEntry[]>;
  prune(before: Date, batchSize?: number): Promise<number>;
}

/** Webhooks, their deliveries and the delivery log (adapters/webhooks/store.ts). */
export type WebhooksPort = WebhooksStore;
