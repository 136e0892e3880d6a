/**
 * The processes some bench scenarios measure against, started before the clock:
 * `orgsync worker` and `orgsync serve`, as child processes of the scenario
 * (so they compete for the machine's two cores as they would in production on
 * one host), with the scenario's environment (database, Redis, bench queue).
 * The API floor of issue 12 (bench/apiFloor.ts) is started the same way.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';

export interface Service {
  pid: number;
  /** Peak resident set size so far (VmHWM), in KiB. */
  peakRssKiB(): number;
  /** Resident set size now (VmRSS), in KiB. */
  rssKiB(): number;
  /** SIGTERM, then the exit (SIGKILL after 30 s). */
  stop(): Promise<void>;
}

const STARTUP_MS = 60_000;

const children = new Set<ChildProcess>();
// A scenario that crashes must not leave a worker consuming the bench queue.
process.once('exit', () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

function node(args: string[], env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** A field of /proc/<pid>/status in KiB; 0 when not Linux, or the process is gone. */
function statusKiB(pid: number | undefined, field: 'VmHWM' | 'VmRSS'): number {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

function service(child: ChildProcess): Service {
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    pid: child.pid ?? 0,
    peakRssKiB: () => statusKiB(child.pid, 'VmHWM'),
    rssKiB: () => statusKiB(child.pid, 'VmRSS'),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Resolves when a log line (pino JSON on stdout) satisfies `ready`; rejects if the process dies first. */
function waitForLog(child: ChildProcess, what: string, ready: (line: Record<string, unknown>) => boolean): Promise<void> {
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not start within ${STARTUP_MS / 1000} s\n${stderr}`)), STARTUP_MS);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited (${code}) before it was ready\n${stderr}`));
    });
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (text) => {
      let line: Record<string, unknown>;
      try {
        line = JSON.parse(text) as Record<string, unknown>;
      } catch {
        return; // not a log line
      }
      if (!ready(line)) return;
      clearTimeout(timer);
      // From now on the logs are only drained (a full pipe would block the process's synchronous logger).
      lines.close();
      child.stdout!.resume();
      resolve();
    });
  });
}

/** `orgsync worker --concurrency 1`, ready once it logs "worker started". */
export async function startWorker(): Promise<Service> {
  const child = node(['bin/orgsync.js', 'worker', '--concurrency', '1'], { LOG_LEVEL: 'info' });
  await waitForLog(child, 'orgsync worker', (l) => l.msg === 'worker started');
  return service(child);
}

/**
 * `orgsync serve` on `port`, ready once it logs that it is. The rate limit is
 * lifted: the benchmark measures the server, not the limiter.
 */
export async function startServer(port: number, env: Record<string, string> = {}): Promise<Service> {
  const child = node(['bin/orgsync.js', 'serve', '--port', String(port)], {
    LOG_LEVEL: 'info',
    ORGSYNC_HTTP_RATE_LIMIT: '100000000',
    ORGSYNC_HTTP_MAX_WAIT_SECONDS: '600',
    ...env,
  });
  await waitForLog(child, 'orgsync serve', (l) => l.msg === 'orgsync server ready');
  return service(child);
}

/** The API floor (bench/apiFloor.ts) on `port`, ready once it logs that it is. */
export async function startApiFloor(port: number, env: Record<string, string>): Promise<Service> {
  const child = node(['--import', 'tsx', 'bench/apiFloor.ts'], { ...env, PORT: String(port) });
  await waitForLog(child, 'API floor', (l) => l.msg === 'api floor ready');
  return service(child);
}

/** A port nothing listens on right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
