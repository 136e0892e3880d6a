/**
 * Stopping and starting the machine's MariaDB for the chaos script, with a
 * guarantee: whatever happens (an exception, Ctrl-C, SIGTERM), the script
 * does not exit before MariaDB answers again, because the test suite, the
 * benchmarks and other people's runs share this server.
 */
import { spawnSync } from 'node:child_process';

const ADMIN = ['-uroot', '--connect-timeout=2'];

export function mariadbAlive(): boolean {
  return spawnSync('mariadb-admin', [...ADMIN, 'ping'], { stdio: 'ignore' }).status === 0;
}

/** `mariadb-admin shutdown`: a clean stop, which rolls back open transactions. */
export function stopMariadb(): void {
  const res = spawnSync('mariadb-admin', [...ADMIN, 'shutdown'], { encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`mariadb-admin shutdown failed: ${res.stderr}`);
}

/** Starts mariadbd if it is not running and waits (synchronously, bounded) until it answers. */
export function ensureMariadbUp(timeoutMs = 120_000): void {
  if (mariadbAlive()) return;
  spawnSync('start-stop-daemon', ['--start', '--oknodo', '--background', '--exec', '/usr/sbin/mariadbd'], { stdio: 'ignore' });
  const deadline = Date.now() + timeoutMs;
  while (!mariadbAlive()) {
    if (Date.now() > deadline) throw new Error('MariaDB did not come back: start it with start-stop-daemon --start --background --exec /usr/sbin/mariadbd');
    spawnSync('sleep', ['0.2']);
  }
}

/** Installs the "always bring it back" handlers for signals and uncaught errors; call once, first thing. */
export function guardMariadb(): void {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      console.error(`\n${signal}: making sure MariaDB is up before exiting`);
      ensureMariadbUp();
      process.exit(130);
    });
  }
  process.on('exit', () => {
    if (!mariadbAlive()) ensureMariadbUp();
  });
}
