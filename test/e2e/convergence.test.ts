// A short seeded convergence run as part of `npm test`; ARTISYNC_SEED reproduces a failing run, `npm run soak` runs long.
import { describe, expect, it } from 'vitest';
import { runConvergence } from '../convergence/convergence-run.js';

const seed = Number(process.env.ARTISYNC_SEED ?? Math.floor(Math.random() * 2 ** 31));
const steps = Number(process.env.ARTISYNC_CONVERGENCE_STEPS ?? 40);
// The Redis-rollback op converges only with the publishers' head audit; ARTISYNC_CONVERGENCE_REDIS_ROLLBACK=1 adds it.
const redisRollback = process.env.ARTISYNC_CONVERGENCE_REDIS_ROLLBACK === '1';

describe('convergence under faults', () => {
  it(`converges after a random schedule of edits and faults (seed ${seed})`, async () => {
    const report = await runConvergence({ seed, steps, settleTimeoutMs: 90_000, redisRollback });
    expect(report.pollerPasses).toBeGreaterThan(0);
    expect(Object.values(report.ops).reduce((sum, count) => sum + count, 0)).toBe(steps);
  }, 240_000);
});
