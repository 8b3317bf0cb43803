// The physical floor of a durable bulk apply on this disk: 10,000 × (write temp, fsync, rename) from Node, and the
// same without fsync, using the generated artifacts' bytes.
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { measure } from '../measurement.js';
import { timeCommand } from '../run-command.js';
import type { Scenario, ScenarioContext, ScenarioResult, SourceTree } from '../scenario.js';

const COUNT = 10_000;

/** Each rep writes into a new folder (folders created untimed) so freed inodes never slow a later rep. */
export const fsFloorScenario: Scenario = {
  name: 'fs-floor',
  async run(ctx: ScenarioContext): Promise<ScenarioResult> {
    const tree = await ctx.tree(COUNT);
    const reps = ctx.quick ? 1 : 3;
    const durable: number[] = [];
    const plain: number[] = [];
    for (let rep = 1; rep <= reps; rep += 1) {
      ctx.log(`fs-floor rep ${rep}/${reps}`);
      await timeCommand('sync', []);
      durable.push(writeAll(tree, ctx.scratch.freshPath('floor-fsync'), true));
      plain.push(writeAll(tree, ctx.scratch.freshPath('floor-plain'), false));
    }
    return {
      measurements: [
        measure(`floor.${COUNT}.write-fsync-rename`, 'fs-floor', 'tmp+write+fsync+rename per file', 'ms', durable),
        measure(`floor.${COUNT}.write-rename`, 'fs-floor', 'tmp+write+rename per file, no fsync', 'ms', plain),
      ],
    };
  },
};

function writeAll(tree: SourceTree, root: string, durable: boolean): number {
  for (const folder of new Set(tree.artifacts.map((artifact) => dirname(join(root, artifact.path))))) {
    mkdirSync(folder, { recursive: true });
  }
  const started = performance.now();
  for (const artifact of tree.artifacts) {
    const target = join(root, artifact.path);
    const temp = join(dirname(target), '.artisync-bench.tmp');
    const fd = openSync(temp, 'w');
    writeSync(fd, artifact.content);
    if (durable) fsyncSync(fd);
    closeSync(fd);
    renameSync(temp, target);
  }
  return performance.now() - started;
}
