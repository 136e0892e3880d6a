/**
 * In-memory fakes of the ports (src/app/ports.ts) the import use cases take:
 * runs (with the lifecycle table's guarded transitions), organizations,
 * departments, members, staging, the organization lock and transactions. No
 * database: a use case runs against plain maps, so its logic is unit-tested.
 * Transactions are not rolled back (the use cases under test do not need it).
 */
import { guardFor, INITIAL_RUN_STATUSES } from '../../src/core/runLifecycle.js';
import type { ImportPlan, Organization, StoredDepartment } from '../../src/core/model.js';
import type { ImportRunRecord, Repositories, RunsPort, StagingKind, StoredRowResult } from '../../src/app/ports.js';

export type MemoryPorts = Pick<Repositories, 'runs' | 'departments' | 'departmentLookup' | 'organizations' | 'members' | 'staging' | 'lock' | 'transactions'>;

export interface MemoryStore {
  runs: Map<string, ImportRunRecord>;
  organizations: Map<string, Organization>;
  departments: Map<string, StoredDepartment>;
  staged: Map<string, Buffer>;
  rowResults: Map<string, StoredRowResult[]>;
  /** The organization codes the lock was taken for, in order. */
  locks: string[];
}

const key = (runId: string, kind: StagingKind) => `${runId}/${kind}`;

async function concat(bytes: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const b of bytes) parts.push(Buffer.from(b));
  return Buffer.concat(parts);
}

function memoryRuns(store: MemoryStore): RunsPort {
  const transition = (id: string, to: ImportRunRecord['status'], patch: Partial<ImportRunRecord>, only?: readonly ImportRunRecord['status'][]) => {
    const run = store.runs.get(id);
    if (!run || !guardFor(to, only).includes(run.status)) return false;
    store.runs.set(id, { ...run, ...patch, status: to });
    return true;
  };
  const errorOf = (e: { code: string; message: string; line?: number | null } | null | undefined) => ({
    errorCode: e?.code ?? null,
    errorMessage: e?.message ?? null,
    errorLine: e?.line ?? null,
  });
  return {
    async createRun(input) {
      const id = input.id ?? `run_${store.runs.size + 1}`;
      const status = input.status ?? 'queued';
      if (!INITIAL_RUN_STATUSES.includes(status)) throw new Error(`a run cannot be created ${status}`);
      store.runs.set(id, {
        id, organizationId: null, organizationCode: input.organizationCode, sourceName: input.sourceName, inputSha256: null, format: null, columns: null,
        mode: input.mode, options: JSON.parse(JSON.stringify(input.options)), dryRun: input.dryRun, status, counts: null, errorCode: null, errorMessage: null,
        errorLine: null, createdAt: new Date().toISOString(), startedAt: null, finishedAt: null, parentRunId: input.parentRunId ?? null, jobName: input.jobName ?? null,
        attempts: 0, lockAcquiredAt: null, progress: null, warnings: [], planFingerprint: null, ownerId: null, leaseExpiresAt: null,
        submittedBy: input.submittedBy ?? null, approvedBy: null, approvedAt: null,
      });
      return id;
    },
    async startRun(id) {
      const attempts = (store.runs.get(id)?.attempts ?? 0) + 1;
      return transition(id, 'running', { attempts }, ['queued', 'running']);
    },
    async recordInput(id, input) {
      const run = store.runs.get(id);
      if (run) store.runs.set(id, { ...run, ...(input.organizationCode ? { organizationCode: input.organizationCode } : {}), format: input.format ?? run.format });
    },
    async finishRun(id, r) {
      const only = r.from ?? (['queued', 'running'] as const).filter((from) => guardFor(r.status).includes(from));
      return transition(id, r.status, { counts: r.counts, ...errorOf(r.error), warnings: [...(r.warnings ?? [])] }, only);
    },
    async failRun(id, error) {
      return transition(id, 'failed', errorOf(error), ['queued', 'running']);
    },
    async cancelRun(id, error) {
      return transition(id, 'cancelled', errorOf(error), ['running']);
    },
    async skipRun(id, reason) {
      return transition(id, 'skipped', errorOf(reason), ['queued']);
    },
    async holdForApproval(id, hold) {
      return transition(id, 'needs_approval', { counts: hold.counts, ...errorOf(hold.error), planFingerprint: hold.fingerprint }, [hold.from]);
    },
    async recordApproval(id, approvedBy, at) {
      const run = store.runs.get(id);
      if (run) store.runs.set(id, { ...run, approvedBy, approvedAt: at.toISOString() });
    },
    async reopenRun(id) {
      return transition(id, 'queued', errorOf(null));
    },
    async renewLeases() {
      return 0;
    },
    async failAbandoned() {
      return [];
    },
    async isStill(id, expected) {
      return store.runs.get(id)?.status === expected;
    },
    async setProgress() {},
    async getRun(id) {
      return store.runs.get(id);
    },
    async listRuns() {
      return [...store.runs.values()].reverse();
    },
    async insertRowResults(runId, input) {
      const rows = input.rowResults.map((r, i): StoredRowResult => ({
        id: i + 1, runId, rowNumber: r.row, departmentKey: r.key, departmentId: r.departmentId ?? null, action: r.action === 'unchanged' ? 'updated' : r.action,
        errorCode: r.errors[0]?.code ?? null, field: r.errors[0]?.field ?? null, message: r.errors[0]?.message ?? null, raw: null, resolvedByRunId: null,
      }));
      store.rowResults.set(runId, rows);
      return rows.length;
    },
    async getRowResults(runId) {
      return store.rowResults.get(runId) ?? [];
    },
    async unresolvedFailedRows() {
      return [];
    },
    async markResolved() {},
    async findActiveSubmission() {
      return undefined;
    },
    async claimSubmission() {},
    async syncSkipReason() {
      return undefined;
    },
    async listUnfinishedJobRuns() {
      return [];
    },
    async pruneFinishedStaging() {
      return 0;
    },
  };
}

export function memoryRepos(): { repos: MemoryPorts; store: MemoryStore } {
  const store: MemoryStore = { runs: new Map(), organizations: new Map(), departments: new Map(), staged: new Map(), rowResults: new Map(), locks: [] };
  const repos: MemoryPorts = {
    runs: memoryRuns(store),
    organizations: {
      async findByCode(code) {
        return [...store.organizations.values()].find((o) => o.code === code);
      },
      async findById(id) {
        return [...store.organizations.values()].find((o) => o.id === id);
      },
      async create(input) {
        const org: Organization = { id: input.id ?? `org_${store.organizations.size + 1}`, code: input.code, name: input.name, nameScope: input.nameScope };
        store.organizations.set(org.id, org);
        return org;
      },
      async list() {
        return [...store.organizations.values()];
      },
    },
    departments: {
      async loadForOrganization(organizationId) {
        return [...store.departments.values()].filter((d) => d.organizationId === organizationId).sort((a, b) => (a.id < b.id ? -1 : 1));
      },
      async loadForImport(organizationId, share) {
        const all = await this.loadForOrganization(organizationId);
        all.forEach(share);
        return all;
      },
      async applyPlan(_trx, _org, plan: ImportPlan) {
        for (const d of plan.creates) store.departments.set(d.id, d);
        for (const u of [...plan.updates, ...plan.deactivations]) store.departments.set(u.after.id, u.after);
      },
      async countByOrganization(organizationId) {
        const all = [...store.departments.values()].filter((d) => d.organizationId === organizationId);
        return { total: all.length, active: all.filter((d) => d.isActive).length };
      },
    },
    // As the database adapter: only the rows core/plan/rowKeys.ts names (the parents' ancestors included).
    departmentLookup: {
      async lockParents(_trx, organizationId, keys) {
        const inOrg = [...store.departments.values()].filter((d) => d.organizationId === organizationId);
        return inOrg.filter((d) => keys.parent.some((k) => (k.by === 'id' ? d.id : k.by === 'code' ? d.code : d.openDepartmentId) === k.value));
      },
      async candidates(_trx, org, keys, parents) {
        const ancestors = new Set(parents.flatMap((p) => p.path.split('/')));
        const scopes = new Set<string | null>(parents.map((p) => p.id));
        if (keys.parentMayBeRoot) scopes.add(null);
        const inScope = (d: StoredDepartment) => org.nameScope === 'organization' || scopes.has(d.parentId);
        const found = [...store.departments.values()].filter(
          (d) =>
            d.organizationId === org.id &&
            (ancestors.has(d.id) || d.id === keys.id || (d.code !== null && d.code === keys.code) ||
              (d.openDepartmentId !== null && d.openDepartmentId === keys.openDepartmentId) || (d.name === keys.name && inScope(d))),
        );
        return [...parents, ...found];
      },
      // The unique indexes: code, openDepartmentId, and the name in its scope.
      async insert(_trx, org, d) {
        const scope = (x: StoredDepartment) => (org.nameScope === 'organization' ? '' : (x.parentId ?? '#root'));
        for (const o of store.departments.values()) {
          if (o.organizationId !== org.id) continue;
          if (d.code !== null && o.code === d.code) return { conflict: 'code' as const };
          if (d.openDepartmentId !== null && o.openDepartmentId === d.openDepartmentId) return { conflict: 'openDepartmentId' as const };
          if (o.name === d.name && scope(o) === scope(d)) return { conflict: 'name' as const };
        }
        store.departments.set(d.id, d);
        return {};
      },
    },
    members: {
      async loadForOrganization() {
        return new Map();
      },
      async applyMembers() {},
    },
    staging: {
      async write(runId, kind, bytes) {
        const all = await concat(bytes);
        store.staged.set(key(runId, kind), all);
        return { sha256: '', size: all.length };
      },
      async *read(runId, kind) {
        const bytes = store.staged.get(key(runId, kind));
        if (bytes) yield bytes;
      },
      async has(runId, kind) {
        return store.staged.has(key(runId, kind));
      },
      async readAll(runId, kind) {
        return store.staged.get(key(runId, kind));
      },
      async remove(runId, kinds) {
        for (const kind of kinds) store.staged.delete(key(runId, kind));
      },
    },
    lock: {
      concurrentWhileLocked: true,
      async withOrganizationLock(code, fn) {
        store.locks.push(code);
        return fn('memory-transaction');
      },
      async withDepartmentWrite(code, fn) {
        store.locks.push(code);
        return fn('memory-transaction');
      },
    },
    transactions: {
      transaction: (fn) => fn('memory-transaction'),
      isDuplicateKeyError: () => false,
      describeError: (err) => (err instanceof Error ? err.message : String(err)),
    },
  };
  return { repos, store };
}
