// `npm run soak -- --minutes N [--seed S] [--steps K]`: convergence runs back to back with fresh seeds until time is up.
import { parseArgs } from 'node:util';
import { createRandom } from '../../bench/mulberry32.js';
import { runConvergence } from './convergence-run.js';

const { values } = parseArgs({
  options: { minutes: { type: 'string', default: '10' }, seed: { type: 'string' }, steps: { type: 'string', default: '200' } },
});
const deadline = Date.now() + Number(values.minutes) * 60_000;
const steps = Number(values.steps);
let seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
let runs = 0;

try {
  do {
    const startedAt = Date.now();
    const report = await runConvergence({ seed, steps });
    runs += 1;
    console.log(JSON.stringify({ run: runs, seed, steps, durationMs: Date.now() - startedAt, ops: report.ops, pollerPasses: report.pollerPasses }));
    seed = createRandom(seed).int(0, 2 ** 31 - 1);
  } while (Date.now() < deadline);
  console.log(`soak passed: ${runs} runs`);
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
}
