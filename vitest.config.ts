import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    // Compiles the CLI the tests spawn (bin/orgsync.js runs dist/): see the file.
    globalSetup: ['test/support/cliBuildSetup.ts'],
    // Integration tests talk to real MariaDB/Redis/SQLite; give them room.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Child processes, not threads: better-sqlite3 is a native addon and each
    // integration file opens its own connections (and its own database).
    pool: 'forks',
    // Test files run in parallel (each integration file uses its own
    // database), capped at the machine's 2 cores.
    fileParallelism: true,
    maxWorkers: 2,
  },
});
