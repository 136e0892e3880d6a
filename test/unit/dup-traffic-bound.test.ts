/**
 * `npm run load`'s steady API traffic (scripts/lib/httpTraffic.ts) is open
 * loop but bounded: however slowly the server answers, no more than
 * `maxInFlight` requests are open at once (p-limit), and every scheduled
 * request is still made and measured. No server: requests are promises the
 * test releases.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { steadyTraffic } from '../../scripts/lib/httpTraffic.js';

describe('steady traffic', () => {
  it('keeps at most maxInFlight requests open while the server stalls, and makes every scheduled one', async () => {
    let open = 0;
    let mostOpen = 0;
    let made = 0;
    let release!: () => void;
    const stalled = new Promise<void>((resolve) => (release = resolve));
    const traffic = steadyTraffic(
      1000,
      (n) => ({
        kind: n % 2 === 0 ? 'even' : 'odd',
        async run() {
          made += 1;
          open += 1;
          mostOpen = Math.max(mostOpen, open);
          await stalled;
          open -= 1;
          return { status: 200 };
        },
      }),
      100,
      3,
    );
    // Scheduling runs for 100 ms at 1,000 a second; the server answers nothing meanwhile.
    while (made < 3) await sleep(5);
    await sleep(150);
    expect(mostOpen).toBe(3);
    release();
    const samples = await traffic.stop();
    expect(samples.length).toBeGreaterThan(3);
    expect(made).toBe(samples.length);
    expect(samples.every((s) => s.ok && s.status === 200)).toBe(true);
    expect(mostOpen).toBe(3);
  });
});
