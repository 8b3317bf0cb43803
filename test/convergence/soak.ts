// `npm run soak -- --minutes N [--seed S] [--steps K] [--skip-redis-rollback] [--skip-folder-bounce] [--keep-going]`: convergence runs back to back
// with fresh seeds until time is up; with --keep-going a failed run is counted and the soak goes on with the next seed.
import { parseArgs } from 'node:util';
import { createRandom } from '../../bench/mulberry32.js';
import { runConvergence } from './convergence-run.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' }, seed: { type: 'string' }, steps: { type: 'string', default: '200' },
    'skip-redis-rollback': { type: 'boolean', default: false }, 'skip-folder-bounce': { type: 'boolean', default: false }, 'keep-going': { type: 'boolean', default: false },
  },
});
const deadline = Date.now() + Number(values.minutes) * 60_000;
const steps = Number(values.steps);
let seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
let runs = 0;
const failedSeeds: number[] = [];

do {
  const startedAt = Date.now();
  runs += 1;
  try {
    const report = await runConvergence({ seed, steps, redisRollback: !values['skip-redis-rollback'], folderBounce: !values['skip-folder-bounce'] });
    console.log(JSON.stringify({ run: runs, seed, steps, durationMs: Date.now() - startedAt, ops: report.ops, pollerPasses: report.pollerPasses, repliesCut: report.repliesCut }));
  } catch (err) {
    failedSeeds.push(seed);
    console.error(err instanceof Error ? err.message : String(err));
    console.log(JSON.stringify({ run: runs, seed, steps, durationMs: Date.now() - startedAt, failed: true }));
    if (values['keep-going'] !== true) break;
  }
  seed = createRandom(seed).int(0, 2 ** 31 - 1);
} while (Date.now() < deadline);
if (failedSeeds.length > 0) {
  console.log(`soak failed: ${runs} runs, ${failedSeeds.length} failed (seeds ${failedSeeds.join(', ')})`);
  process.exitCode = 1;
} else {
  console.log(`soak passed: ${runs} runs, 0 failed`);
}
