/**
 * On MySQL/MariaDB an import given its organization loads the stored
 * departments while its file is still being read (importService.ts), and
 * everything it guaranteed before still holds: a file that fails to read
 * fails the run with the file's error (after the load settles, with the
 * transaction ended), and the run's result is the same as a sequential one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseImportOptions } from '../../src/core/importOptions.js';
import { repositories } from '../../src/adapters/db/index.js';
import { runImport } from '../../src/app/importService.js';
import { openTestDatabase, type TestDb } from '../support/db.js';
import { importText } from '../support/importHarness.js';

const HEAD = 'name,code,parentCode\nEngineering,ENG,\n';
const TAIL = 'Backend,BE,ENG\nFrontend,FE,ENG\n';

describe('an import reads its file while the stored departments load (mysql)', () => {
  let db: TestDb;

  beforeAll(async () => {
    db = await openTestDatabase('mysql', 'read_overlap');
  });
  afterAll(async () => {
    await db?.drop();
  });

  /** Runs an import whose source yields HEAD, then waits (up to `waitMs`) for the stored load to start, then yields `tail`. */
  async function importWaitingForTheLoad(org: string, tail: string, { remote = false, waitMs = 5_000 } = {}) {
    const repos = repositories(db);
    let loadStarted!: () => void;
    const started = new Promise<void>((resolve) => (loadStarted = resolve));
    const load = repos.departments.loadForImport.bind(repos.departments);
    repos.departments = {
      ...repos.departments,
      loadForImport: (id, share, trx) => {
        loadStarted();
        return load(id, share, trx);
      },
    };
    let readWhileLoading = false;
    const parsed = parseImportOptions({ createOrg: true });
    if (!parsed.ok) throw new Error(parsed.message);
    const report = await runImport(repos, {
      organizationCode: org,
      source: {
        name: 'tree.csv',
        bytes: (async function* () {
          yield Buffer.from(HEAD);
          readWhileLoading = await Promise.race([started.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), waitMs))]);
          yield Buffer.from(tail);
        })(),
        ...(remote ? { remote } : {}),
      },
      options: parsed.value,
    });
    return { report, readWhileLoading };
  }

  it('starts the load before the file is read to its end, and plans from both', async () => {
    await importText(db, HEAD, { org: 'overlap' });
    const { report, readWhileLoading } = await importWaitingForTheLoad('overlap', TAIL);
    expect(readWhileLoading).toBe(true);
    expect(report.status).toBe('completed');
    expect(report.counts).toMatchObject({ rows: 3, unchanged: 1, created: 2, failed: 0 });
  });

  it('a remote source (an HTTP URL) is read to its end before the lock and the load', async () => {
    await importText(db, HEAD, { org: 'overlap_remote' });
    const { report, readWhileLoading } = await importWaitingForTheLoad('overlap_remote', TAIL, { remote: true, waitMs: 500 });
    expect(readWhileLoading).toBe(false);
    expect(report.counts).toMatchObject({ rows: 3, unchanged: 1, created: 2 });
  });

  it('a file that fails to read fails the run with its own error, after the load', async () => {
    await importText(db, HEAD, { org: 'overlap_bad' });
    // An unterminated quote: the CSV reader's error, not the storage's.
    const { report, readWhileLoading } = await importWaitingForTheLoad('overlap_bad', 'Backend,"BE,ENG\n');
    expect(readWhileLoading).toBe(true);
    expect(report.status).toBe('failed');
    expect(report.fileError?.code).toMatch(/^CSV_/);
    // The organization's lock and transaction ended: the next import of it runs at once.
    const next = await importText(db, HEAD + TAIL, { org: 'overlap_bad' });
    expect(next.counts).toMatchObject({ unchanged: 1, created: 2 });
  });

  it('an organization the file contradicts fails as before (DOCUMENT_ORGANIZATION_MISMATCH), nothing written', async () => {
    const yaml = 'organization:\n  code: other\ndepartments:\n  - name: Engineering\n    code: ENG\n';
    const report = await importText(db, yaml, { org: 'overlap_doc', name: 'tree.yaml' });
    expect(report.status).toBe('failed');
    expect(report.fileError?.code).toBe('DOCUMENT_ORGANIZATION_MISMATCH');
    expect(await db.knex('organizations').where({ code: 'overlap_doc' }).first()).toBeUndefined();
  });
});
