/**
 * The real CLI (`node bin/orgsync.js`) in a child process, pointed at a test
 * database of either dialect: for the HTTP tests that compare the API with the
 * CLI, and that make tokens the way an operator does.
 */
import { execFile } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mysqlTestUrl, type TestDb } from './db.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function orgsync(db: TestDb, args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  const dbEnv: Record<string, string> = db.dialect === 'mysql' ? { DATABASE_URL: mysqlTestUrl(db.location) } : { ORGSYNC_SQLITE_PATH: db.location };
  return new Promise((done, fail) => {
    execFile(
      process.execPath,
      [resolve(ROOT, 'bin/orgsync.js'), ...args],
      { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'warn', ...dbEnv, ...env }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        if (code === -1) fail(error);
        else done({ code, stdout, stderr });
      },
    );
  });
}
