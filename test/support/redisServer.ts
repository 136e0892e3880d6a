/**
 * A throw-away redis-server for fault tests: started by the test on a free
 * loopback port, with no persistence, so it can be killed (SIGKILL) and
 * started again empty on the same port without disturbing the shared Redis
 * other test files use.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';

export interface RedisServer {
  port: number;
  url: string;
  /** SIGKILL: no shutdown, no save. Everything in memory is gone. */
  kill(): Promise<void>;
  /** Starts it again, empty, on the same port; resolves once it answers PING. */
  start(): Promise<void>;
  /** Kills it for good (afterAll). */
  stop(): Promise<void>;
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

async function answers(url: string): Promise<boolean> {
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 500 });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

export async function startRedisServer(): Promise<RedisServer> {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;

  const kill = async () => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((resolve) => c.once('exit', resolve));
    c.kill('SIGKILL');
    await exited;
  };

  const start = async () => {
    // --save "" --appendonly no: a restart comes back empty, as a Redis
    // without persistence (or one that lost its disk) does.
    const c = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction'], {
      stdio: 'ignore',
    });
    child = c;
    const deadline = Date.now() + 20_000;
    while (!(await answers(url))) {
      if (c.exitCode !== null) throw new Error(`redis-server on port ${port} exited with ${c.exitCode}`);
      if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  await start();
  return { port, url, kill, start, stop: kill };
}
