// Peers for bulk and cold start: `rsync -a` to one and to two fresh destinations, and `cp -r`, each then `sync`.
import { performance } from 'node:perf_hooks';
import { measure } from '../measurement.js';
import { timeCommand } from '../run-command.js';
import type { Scenario, ScenarioContext, ScenarioResult } from '../scenario.js';

const COUNT = 10_000;

/** Interleaves the three cold copies per rep so load changes hit all of them alike; every copy goes to a new folder. */
export const coldCopyScenario: Scenario = {
  name: 'cold-copy',
  async run(ctx: ScenarioContext): Promise<ScenarioResult> {
    const tree = await ctx.tree(COUNT);
    const reps = ctx.quick ? 3 : 7;
    const samples: Record<string, number[]> = { rsync: [], rsyncSync: [], twoDst: [], twoDstSync: [], cp: [], cpSync: [] };
    // Rep 0 is a discarded warm-up: it pulls the source tree into the page cache and flushes the tree's own writeback.
    for (let rep = 0; rep <= reps; rep += 1) {
      ctx.log(`cold-copy rep ${rep}/${reps}${rep === 0 ? ' (warm-up, discarded)' : ''}`);
      const push = (key: string, value: number) => { if (rep > 0) samples[key]?.push(value); };
      const rsync = await timeCommand('rsync', ['-a', `${tree.root}/`, `${ctx.scratch.freshPath('rsync-cold')}/`]);
      const rsyncFlush = await timeCommand('sync', []);
      push('rsync', rsync);
      push('rsyncSync', rsync + rsyncFlush);
      const twoDst = await timeTwoDestinations(ctx, tree.root);
      const twoDstFlush = await timeCommand('sync', []);
      push('twoDst', twoDst);
      push('twoDstSync', twoDst + twoDstFlush);
      const cp = await timeCommand('cp', ['-r', tree.root, ctx.scratch.freshPath('cp-cold')]);
      const cpFlush = await timeCommand('sync', []);
      push('cp', cp);
      push('cpSync', cp + cpFlush);
    }
    const of = (key: string): number[] => samples[key] ?? [];
    return {
      measurements: [
        measure(`cold.${COUNT}.rsync`, 'rsync', 'rsync -a, empty destination', 'ms', of('rsync')),
        measure(`cold.${COUNT}.rsync-sync`, 'rsync', 'rsync -a then sync', 'ms', of('rsyncSync')),
        measure(`bulk.${COUNT}.rsync-2dst`, 'rsync', 'two concurrent rsync -a to 2 empty destinations', 'ms', of('twoDst')),
        measure(`bulk.${COUNT}.rsync-2dst-sync`, 'rsync', 'rsync -a to 2 destinations then sync', 'ms', of('twoDstSync')),
        measure(`cold.${COUNT}.cp`, 'cp', 'cp -r, empty destination', 'ms', of('cp')),
        measure(`cold.${COUNT}.cp-sync`, 'cp', 'cp -r then sync', 'ms', of('cpSync')),
      ],
      notes: [`${COUNT} artifacts, ${(tree.bytes / 1e6).toFixed(1)} MB; rsync and cp do not fsync, the -sync rows add one sync`],
    };
  },
};

// Two gateways pull at the same time in artisync's bulk scenario, so the peer copies to both destinations concurrently.
async function timeTwoDestinations(ctx: ScenarioContext, root: string): Promise<number> {
  const started = performance.now();
  await Promise.all([1, 2].map((n) => timeCommand('rsync', ['-a', `${root}/`, `${ctx.scratch.freshPath(`rsync-dst${n}`)}/`])));
  return performance.now() - started;
}
