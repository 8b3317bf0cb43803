// A short seeded convergence run as part of `npm test`; ARTISYNC_SEED reproduces a failing run, `npm run soak` runs long.
import { describe, expect, it } from 'vitest';
import { runConvergence } from '../convergence/convergence-run.js';

const seed = Number(process.env.ARTISYNC_SEED ?? Math.floor(Math.random() * 2 ** 31));
const steps = Number(process.env.ARTISYNC_CONVERGENCE_STEPS ?? 40);
// ARTISYNC_CONVERGENCE_REDIS_ROLLBACK=0 and ARTISYNC_CONVERGENCE_FOLDER_BOUNCE=0 leave those ops out, to tell faults apart.
const redisRollback = process.env.ARTISYNC_CONVERGENCE_REDIS_ROLLBACK !== '0';
const folderBounce = process.env.ARTISYNC_CONVERGENCE_FOLDER_BOUNCE !== '0';

describe('convergence under faults', () => {
  it(`converges after a random schedule of edits and faults (seed ${seed})`, async () => {
    const report = await runConvergence({ seed, steps, settleTimeoutMs: 90_000, redisRollback, folderBounce });
    expect(report.pollerPasses).toBeGreaterThan(0);
    expect(Object.values(report.ops).reduce((sum, count) => sum + count, 0)).toBe(steps);
  }, 240_000);
});
