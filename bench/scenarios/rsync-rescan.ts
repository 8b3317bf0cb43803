// Peers for drift check and incremental sync: `rsync -a` over an in-sync 10,000-artifact copy, with no change and
// after one edited file.
import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { editArtifact } from '../artifact-generator.js';
import { measure } from '../measurement.js';
import { createRandom } from '../mulberry32.js';
import { runCommand, timeCommand } from '../run-command.js';
import type { Scenario, ScenarioContext, ScenarioResult } from '../scenario.js';

const COUNT = 10_000;

/** Alternates a no-change scan and a one-edit run, so both see the same cache and load. */
export const rsyncRescanScenario: Scenario = {
  name: 'rsync-rescan',
  async run(ctx: ScenarioContext): Promise<ScenarioResult> {
    const tree = await ctx.tree(COUNT);
    const source = ctx.scratch.freshPath('rescan-src');
    const destination = ctx.scratch.freshPath('rescan-dst');
    await runCommand('cp', ['-r', tree.root, source]);
    await runCommand('rsync', ['-a', `${source}/`, `${destination}/`]);
    await runCommand('sync', []);
    const apis = tree.artifacts.filter((artifact) => artifact.kind === 'api');
    const random = createRandom(8);
    const reps = ctx.quick ? 7 : 15;
    const scans: number[] = [];
    const incrementals: number[] = [];
    for (let rep = 1; rep <= reps; rep += 1) {
      scans.push(await timeCommand('rsync', ['-a', `${source}/`, `${destination}/`]));
      const edited = editArtifact(random.pick(apis), rep);
      await writeFile(join(source, edited.path), edited.content);
      incrementals.push(await timeCommand('rsync', ['-a', `${source}/`, `${destination}/`]));
    }
    return {
      measurements: [
        measure(`drift.${COUNT}.rsync-scan`, 'rsync', 'rsync -a, nothing changed', 'ms', scans),
        measure(`incremental.${COUNT}.rsync`, 'rsync', 'rsync -a after one edited file', 'ms', incrementals),
      ],
    };
  },
};
