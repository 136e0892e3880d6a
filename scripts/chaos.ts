/**
 * `npm run chaos`: crash safety under repeated, random faults, against the
 * machine's MariaDB and Redis (a database and queue prefix of its own).
 *
 *   npm run chaos -- [--kills 20] [--rows 50000] [--no-mariadb-restart]
 *
 * 1. Kills: `--kills` times, a fresh organization imports the same
 *    `--rows`-row file as a queued run; an `orgsync worker` process is
 *    SIGKILLed at a random moment between the run starting and the moment a
 *    clean run would have finished; a second worker process finishes the run.
 *    Each time the organization must equal a clean run (checksum of codes,
 *    names, parents, depths), without duplicates, with one completed run and
 *    the same row results. A kill that lands after the run finished is not
 *    counted, and the round is repeated with a new organization.
 * 2. MariaDB restarted mid-import: while a worker writes the same file, the
 *    server is shut down and started again; the job must retry and complete
 *    with the same result. MariaDB is always brought back, even on failure.
 *
 * Prints its figures and exits 0 when every check held, 1 otherwise.
 */
import { parseArgs } from 'node:util';
import { importRunsRepo } from '../src/adapters/db/index.js';
import { guardMariadb } from './lib/mariadb.js';
import { openChaos } from './lib/chaosRun.js';
import { seconds } from './lib/scriptEnv.js';

const { values: flags } = parseArgs({
  options: {
    kills: { type: 'string', default: '20' },
    rows: { type: 'string', default: '50000' },
    'no-mariadb-restart': { type: 'boolean', default: false },
  },
});
const KILLS = Number(flags.kills);
const ROWS = Number(flags.rows);

guardMariadb();
const startedAt = Date.now();
const chaos = await openChaos(ROWS);
let failed = false;
try {
  console.log(`clean run: ${ROWS} rows, ${chaos.clean.checksum.count} departments, ${chaos.clean.rowResults} row results, ${seconds(chaos.clean.ms)} in-process`);
  const window = await chaos.calibrate();
  console.log(`queued run, running → done: ${seconds(window)}; kills land uniformly in that window`);

  const phases = new Map<string, number>();
  let survived = 0;
  let missed = 0;
  for (let round = 1; survived < KILLS; round++) {
    if (round > KILLS * 3) throw new Error(`too many kills landed after the run finished (${missed})`);
    const delay = Math.floor(Math.random() * window);
    const r = await chaos.killRound(`kill-${round}`, delay);
    if (r.kind === 'missed') {
      missed++;
      console.log(`round ${round}: kill at +${delay} ms came after the run finished; not counted`);
      continue;
    }
    survived++;
    phases.set(r.phase, (phases.get(r.phase) ?? 0) + 1);
    const at = r.phase === 'reading' ? `reading, ${r.rowsDone} rows read` : r.phase;
    console.log(
      `kill ${survived}/${KILLS}: at +${delay} ms (${at}) → second worker finished in ${seconds(r.recoveryMs)}; checksum equal, ${r.count} departments, 1 run, attempts ${r.attempts}`,
    );
  }
  const phaseList = [...phases].map(([p, n]) => `${p} ${n}`).join(', ');
  console.log(`\nkills survived: ${survived}/${KILLS} (during: ${phaseList}; kills that landed after the run had finished, repeated: ${missed})`);

  if (!flags['no-mariadb-restart']) {
    const r = await chaos.mariadbRestart('restart');
    console.log(
      `MariaDB restarted mid-import (${r.phase}): down ${seconds(r.downMs)}, run completed after ${r.attempts} attempts in ${seconds(r.totalMs)}; checksum equal, ${r.count} departments, 1 run`,
    );
  }
  const runs = await importRunsRepo(chaos.db).listRuns({ limit: 1000 });
  console.log(`\nruns: ${runs.length}, all completed once: ${runs.every((run) => run.status === 'completed_with_errors')}; data lost: 0`);
} catch (err) {
  failed = true;
  console.error(`\nCHAOS FAILED: ${(err as Error).stack ?? String(err)}`);
} finally {
  await chaos.close(!failed);
}
console.log(`total time: ${seconds(Date.now() - startedAt)}`);
process.exit(failed ? 1 : 0);
