/**
 * POST /v1/organizations/{org}/departments at a cost independent of the
 * organization's size (issue 12), on MariaDB and SQLite: the planner reads
 * the stored departments through a lookup answered by a few indexed queries
 * (adapters/db/departmentLookup.ts); the database's unique indexes decide a
 * race, their refusal mapped to the importer's conflict codes; the history
 * row is written; and the bodies take every name the importer takes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Knex } from 'knex';
import mysql from 'mysql2/promise';
import { repositories } from '../../src/adapters/db/index.js';
import { createDepartment } from '../../src/app/createDepartment.js';
import type { Repositories } from '../../src/app/ports.js';
import type { Organization, SourceRecord } from '../../src/core/model.js';
import { normaliseRecord } from '../../src/core/normalise/normaliseRow.js';
import { mapColumns } from '../../src/core/normalise/vocabulary.js';
import { planImport } from '../../src/core/plan/index.js';
import { newDepartmentId } from '../../src/ids.js';
import { dialects, mysqlTestUrl } from '../support/db.js';
import { call, createOrg, envelopeOf, type HttpHarness, openHttpHarness, orgToken } from '../support/httpHarness.js';

/** Stores `count` departments: R (code R), P (code P) under it, and the rest under R. */
async function seed(repos: Repositories, org: Organization, count: number): Promise<void> {
  const objects: Record<string, unknown>[] = [{ name: 'Root', code: 'R' }, { name: 'Parent', code: 'P', parentCode: 'R' }];
  for (let i = 2; i < count; i++) objects.push({ name: `Team ${i}`, code: `T${i}`, openDepartmentId: `ou_${i}`, parentCode: 'R' });
  const mapping = mapColumns(['name', 'code', 'openDepartmentId', 'parentCode']);
  const rows = objects.map((values, i) => normaliseRecord({ row: i + 2, values } as SourceRecord, mapping, { parentRef: 'auto' }));
  const plan = planImport({ organization: org, rows, stored: [], options: { mode: 'upsert', matchBy: 'auto' }, newId: newDepartmentId });
  expect(plan.errors).toEqual([]);
  await repos.transactions.transaction((trx) => repos.departments.applyPlan(trx, org, plan, { runId: null, now: new Date() }));
}

/**
 * Round trips, statements and rows read while `fn` runs (the query events of
 * the database's knex instances: a batch of the API-write pool, sent on its
 * raw connection by adapters/db/rawBatch.ts, is one event naming its statements).
 */
async function counted(
  knexes: readonly Knex[],
  fn: () => Promise<unknown>,
): Promise<{ statements: number; roundTrips: number; apiRoundTrips: number; apiStatements: number; rowsRead: number; sql: string[] }> {
  const sql: string[] = [];
  let rowsRead = 0;
  let statements = 0;
  let apiRoundTrips = 0;
  let apiStatements = 0;
  const onResponse = (response: unknown) => {
    if (Array.isArray(response) && response.every((r) => r !== null && typeof r === 'object' && !Array.isArray(r))) rowsRead += response.length;
  };
  const listeners = knexes.map((knex, i) => {
    const onQuery = (q: { sql: string; statements?: number }) => {
      sql.push(q.sql);
      statements += q.statements ?? 1;
      if (i > 0) {
        apiRoundTrips += 1;
        apiStatements += q.statements ?? 1;
      }
    };
    knex.on('query', onQuery).on('query-response', onResponse);
    return () => knex.removeListener('query', onQuery).removeListener('query-response', onResponse);
  });
  try {
    await fn();
  } finally {
    for (const off of listeners) off();
  }
  return { statements, roundTrips: sql.length, apiRoundTrips, apiStatements, rowsRead, sql };
}

describe.each(dialects)('creating a department through indexed lookups on %s', (dialect) => {
  let h: HttpHarness;
  const tokens: Record<string, string> = {};
  const orgs: Record<string, Organization> = {};
  const url = (org: string) => `/v1/organizations/${org}/departments`;
  const post = (org: string, json: unknown, query = '') => call(h.app, tokens[org], 'POST', `${url(org)}${query}`, { json });
  const repos = () => repositories(h.db);

  beforeAll(async () => {
    h = await openHttpHarness(dialect, 'dept_a_lookup');
    for (const [code, scope] of [['small', 'organization'], ['big', 'organization'], ['words', 'organization'], ['sib', 'siblings']] as const) {
      orgs[code] = await createOrg(h.db, code, scope);
      tokens[code] = await orgToken(h.db, code);
    }
    await seed(repos(), orgs.small!, 10);
    await seed(repos(), orgs.big!, 2_000);
    await seed(repos(), orgs.words!, 3);
  }, 120_000);
  afterAll(async () => {
    await h?.close();
  });

  it('sends the same statements and reads the same rows whether the organization holds 10 or 2,000 departments', async () => {
    const body = { name: 'New team', code: 'NEW', openDepartmentId: 'ou_new', parentDepartmentId: 'P', departmentIdType: 'code' };
    const results: Awaited<ReturnType<typeof counted>>[] = [];
    // Once-per-process work (the lock's server version check, a pool's first connection) is not what is compared.
    for (const org of ['small', 'big']) expect((await post(org, { name: 'Warm-up' })).statusCode).toBe(201);
    const knexes = h.db.apiWrites ? [h.db.knex, h.db.apiWrites] : [h.db.knex];
    for (const org of ['small', 'big']) {
      let status = 0;
      results.push(await counted(knexes, async () => (status = (await post(org, body)).statusCode)));
      expect(status).toBe(201);
    }
    const [small, big] = results as [(typeof results)[0], (typeof results)[0]];
    expect(big.statements).toBe(small.statements);
    expect(big.roundTrips).toBe(small.roundTrips);
    expect(big.rowsRead).toBe(small.rowsRead);
    // The auth check, the parent, its ancestors with the key holders, the insert, the history, the lock's own: a handful.
    expect(big.statements).toBeLessThan(20);
    expect(big.rowsRead).toBeLessThan(10);
    if (dialect === 'mysql') {
      // The parent is read with a share lock on MariaDB (a concurrent move or deactivation of it waits).
      expect(big.sql.some((s) => /lock in share mode/i.test(s))).toBe(true);
      // The create itself (adapters/db/departmentCreate.ts): two round trips on the API-write pool, reads then
      // writes; START TRANSACTION, the organization's lock with the parent joined to it (MariaDB: the parent
      // by one key), the candidates, the two INSERTs, COMMIT.
      // (It was 8 round trips of one statement each, the create's CPU bound: bench/README.md, issue 12.)
      expect(big.apiRoundTrips).toBe(2);
      expect(big.apiStatements).toBe(6);
      expect(big.sql.filter((s) => /SET TRANSACTION|isolation/i.test(s))).toEqual([]);
      // Beside them only the token's check, on the main pool.
      expect(big.roundTrips - big.apiRoundTrips).toBeLessThanOrEqual(1);
    }
    const created = (await h.db.knex('departments').where({ organization_id: orgs.big!.id, code: 'NEW' }).first()) as { depth: number; path: string };
    const parent = (await h.db.knex('departments').where({ organization_id: orgs.big!.id, code: 'P' }).first()) as { id: string; path: string };
    expect(created).toMatchObject({ depth: 2, path: expect.stringMatching(new RegExp(`^${parent.path}/dept_`)) });
  });

  it.runIf(dialect === 'mysql')('holds the parent share-locked until it commits: a concurrent FOR UPDATE of it cannot get it meanwhile', async () => {
    const real = repos();
    const other = await mysql.createConnection(mysqlTestUrl(h.db.location));
    const tryLock = (id: string) =>
      other.query('SELECT id FROM departments WHERE id = ? FOR UPDATE NOWAIT', [id]).then(
        () => 'free',
        (e: { code?: string }) => e.code ?? 'error',
      );
    const outcomes: string[] = [];
    const create = real.departmentLookup.create;
    // Between the reads and the writes: in the step-by-step path, before the candidates; in the adapter's own create, before `decide`.
    const spying: Repositories = {
      ...real,
      departmentLookup: {
        ...real.departmentLookup,
        candidates: async (trx, org, keys, parents) => {
          outcomes.push(await tryLock(parents[0]!.id));
          return real.departmentLookup.candidates(trx, org, keys, parents);
        },
        create: create
          ? (org, keys, decide, opts) =>
              create(
                org,
                keys,
                async (fetched) => {
                  outcomes.push(await tryLock(fetched.find((d) => d.code === 'P')!.id));
                  return decide(fetched);
                },
                opts,
              )
          : undefined,
      },
    };
    try {
      const result = await createDepartment(spying, { organization: orgs.small!, fields: { name: 'Under a locked parent', parentCode: 'P' }, lockTimeoutSeconds: 10 });
      expect(result.ok).toBe(true);
      const parent = (await h.db.knex('departments').where({ organization_id: orgs.small!.id, code: 'P' }).first()) as { id: string };
      outcomes.push(await tryLock(parent.id));
    } finally {
      await other.end();
    }
    // MariaDB answers NOWAIT with a lock wait timeout, MySQL 8 with ER_LOCK_NOWAIT.
    expect(outcomes).toEqual([expect.stringMatching(/^ER_LOCK_(WAIT_TIMEOUT|NOWAIT)$/), 'free']);
  });

  it('still gives the importer\'s conflict codes from the stored departments it looked up, in 2,000', async () => {
    const cases = [
      [{ name: 'Team 7' }, 'DEPARTMENT_NAME_CONFLICT', 'name'],
      [{ name: 'Unique 1', code: 'T1500' }, 'DUPLICATE_CODE', 'code'],
      [{ name: 'Unique 2', openDepartmentId: 'ou_1999' }, 'DUPLICATE_OPEN_DEPARTMENT_ID', 'openDepartmentId'],
    ] as const;
    for (const [body, code, field] of cases) {
      const res = await post('big', body);
      expect(res.statusCode).toBe(409);
      expect(envelopeOf(res)).toMatchObject({ code, details: { field } });
      // The planner's message names the stored holder: the lookup found it, before any insert.
      expect(envelopeOf(res).message).toContain('the stored department');
    }
  });

  it('maps a unique index\'s refusal (a request that lost a race) to the conflict code and field', async () => {
    const real = repos();
    // The lookup misses the holder, as a request whose reads came before a concurrent insert does.
    const blind = <K extends object>(keys: K): K => ({ ...keys, code: null, openDepartmentId: null, name: null });
    const create = real.departmentLookup.create;
    const stale: Repositories = {
      ...real,
      departmentLookup: {
        ...real.departmentLookup,
        candidates: (trx, org, keys, parents) => real.departmentLookup.candidates(trx, org, blind(keys), parents),
        create: create ? (org, keys, decide, opts) => create(org, blind(keys), decide, opts) : undefined,
      },
    };
    const cases = [
      ['big', { name: 'Root' }, 'DEPARTMENT_NAME_CONFLICT', 'name'],
      ['big', { name: 'Racing 1', code: 'T42' }, 'DUPLICATE_CODE', 'code'],
      ['big', { name: 'Racing 2', openDepartmentId: 'ou_42' }, 'DUPLICATE_OPEN_DEPARTMENT_ID', 'openDepartmentId'],
      // Siblings scope: the index's key is the parent, so the same name elsewhere is no conflict.
      ['sib', { name: 'Twin' }, 'DEPARTMENT_NAME_CONFLICT', 'name'],
    ] as const;
    const twin = await post('sib', { name: 'Twin' });
    expect(twin.statusCode).toBe(201);
    for (const [org, fields, code, field] of cases) {
      const before = await h.db.knex('departments').where('organization_id', orgs[org]!.id).count({ n: '*' });
      const result = await createDepartment(stale, { organization: orgs[org]!, fields, lockTimeoutSeconds: 10 });
      // The index's refusal, not the planner's lookup: the loser of a race.
      expect(result).toMatchObject({ ok: false, issues: [{ code, field, message: expect.stringContaining('created at the same time') }] });
      expect(await h.db.knex('departments').where('organization_id', orgs[org]!.id).count({ n: '*' })).toEqual(before);
    }
    const elsewhere = await createDepartment(stale, { organization: orgs.sib!, fields: { name: 'Twin', parentId: twin.json().id }, lockTimeoutSeconds: 10 });
    expect(elsewhere.ok).toBe(true);
  });

  it('two batches of concurrent creates with one code and one name: exactly one 201 each, the rest 409 with the right code', async () => {
    const byCode = await Promise.all(Array.from({ length: 8 }, (_, i) => post('small', { name: `Same code ${i}`, code: 'RACE' })));
    expect(byCode.filter((r) => r.statusCode === 201)).toHaveLength(1);
    for (const r of byCode.filter((x) => x.statusCode !== 201)) expect(envelopeOf(r)).toMatchObject({ status: 409, code: 'DUPLICATE_CODE', details: { field: 'code' } });
    const byName = await Promise.all(Array.from({ length: 8 }, (_, i) => post('small', { name: 'Same name', openDepartmentId: `ou_race_${i}` })));
    expect(byName.filter((r) => r.statusCode === 201)).toHaveLength(1);
    for (const r of byName.filter((x) => x.statusCode !== 201)) expect(envelopeOf(r)).toMatchObject({ status: 409, code: 'DEPARTMENT_NAME_CONFLICT', details: { field: 'name' } });
  });

  it('records the create in the department history, with the token and the request id', async () => {
    const res = await call(h.app, tokens.small, 'POST', url('small'), { json: { name: 'With history', parentCode: 'R' }, headers: { 'x-request-id': 'req-lookup-1' } });
    expect(res.statusCode).toBe(201);
    const rows = await repos().history.list({ organizationId: orgs.small!.id, departmentId: res.json().id, limit: 10 });
    expect(rows).toEqual([expect.objectContaining({ action: 'created', runId: null, requestId: 'req-lookup-1', actor: expect.stringMatching(/^tok_/) })]);
  });

  it('takes the importer\'s aliases: parentCode, parentDepartment, open_department_id, desc, colour, status', async () => {
    const parent = (await h.db.knex('departments').where({ organization_id: orgs.words!.id, code: 'P' }).first()) as { id: string };
    const a = await post('words', { department_name: 'Alias A', parentCode: 'P', open_department_id: 'ou_alias_a', desc: 'via aliases', colour: '#0f0' });
    expect(a.statusCode).toBe(201);
    expect(a.json()).toMatchObject({ name: 'Alias A', parent_id: parent.id, openDepartmentId: 'ou_alias_a', description: 'via aliases', color: '#0f0', is_active: true });
    const b = await post('words', { name: 'Alias B', parentDepartment: parent.id, Department_Code: 'AB', status: false });
    expect(b.statusCode).toBe(201);
    expect(b.json()).toMatchObject({ parent_id: parent.id, code: 'AB', is_active: false });
    // parentCode is a code whatever departmentIdType says; parent_open_department_id an openDepartmentId.
    const c = await post('words', { name: 'Alias C', parent_open_department_id: 'ou_alias_a' });
    expect(c.json()).toMatchObject({ parent_id: a.json().id });
    const missing = await post('words', { name: 'Alias D', parentCode: 'NOPE' });
    expect(envelopeOf(missing)).toMatchObject({ code: 'PARENT_NOT_FOUND', details: { field: 'parentCode', parentCode: 'NOPE' } });
    const conflict = await post('words', { deptName: 'Alias A' });
    expect(envelopeOf(conflict)).toMatchObject({ code: 'DEPARTMENT_NAME_CONFLICT', details: { field: 'name', name: 'Alias A' } });
    const twice = await post('words', { name: 'Alias E', open_department_id: 'ou_1', openDepartmentId: 'ou_2' });
    expect(envelopeOf(twice)).toMatchObject({ code: 'INVALID_FIELD', status: 400, details: { field: 'openDepartmentId' } });
    expect(envelopeOf(await post('words', { name: 'Alias F', organizationCode: 'other' }))).toMatchObject({ code: 'ORGANIZATION_MISMATCH', status: 400 });
    expect((await post('words', { name: 'Alias G', organizationCode: 'words' })).statusCode).toBe(201);
  });

  it('refuses, by name, a key the importer does not know, a computed one, an id, and a value of the wrong JSON type under an alias', async () => {
    const refused = [
      [{ name: 'X1', flavour: 'red' }, 'flavour', /unknown field/],
      [{ name: 'X2', member_count: 3 }, 'member_count', /computed by the server/],
      [{ name: 'X3', departmentId: 'dept_mine' }, 'departmentId', /assigned by the server/],
      [{ name: 'X4', is_virtual: 'yes' }, 'is_virtual', /boolean/],
      [{ name: 'X5', parent_department_code: 42 }, 'parent_department_code', /string/],
    ] as const;
    for (const [body, field, message] of refused) {
      const res = await post('words', body);
      expect(envelopeOf(res)).toMatchObject({ code: 'VALIDATION_ERROR', status: 400, details: { field } });
      expect(envelopeOf(res).message).toMatch(message);
    }
  });

  it('PATCH takes the aliases of the fields it changes, and refuses a parent with a pointer to the move', async () => {
    const d = (await post('words', { name: 'Patch me', code: 'PM' })).json() as { id: string };
    const patch = (json: unknown) => call(h.app, tokens.words, 'PATCH', `${url('words')}/${d.id}`, { json });
    const ok = await patch({ open_department_id: 'ou_pm', desc: 'patched', department_name: 'Patched', colour: '#123' });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ id: d.id, name: 'Patched', openDepartmentId: 'ou_pm', description: 'patched', color: '#123', code: 'PM' });
    expect(envelopeOf(await patch({ dept_name: 'Alias A' }))).toMatchObject({ code: 'DEPARTMENT_NAME_CONFLICT', status: 409, details: { field: 'name' } });
    const parent = await patch({ parentCode: 'R' });
    expect(envelopeOf(parent)).toMatchObject({ code: 'VALIDATION_ERROR', details: { field: 'parentCode' } });
    expect(envelopeOf(parent).message).toMatch(/reparent/);
    expect(envelopeOf(await patch({ flavour: 1 }))).toMatchObject({ code: 'VALIDATION_ERROR', details: { field: 'flavour' } });
    const off = await patch({ status: false });
    expect(off.json()).toMatchObject({ is_active: false });
  });
});
