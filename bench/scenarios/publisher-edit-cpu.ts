// CPU the publisher's watcher spends on one hand edit in a big `api/` folder (800 and 8,000 files): an in-process
// TreeWatcher on a copy of the shared tree, process.cpuUsage() (every thread) from the write until the event is in
// and the process has settled. Both kinds of save: a write in place and an editor's rename over the file.
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { TreeWatcher } from '../../agent/publisher/tree-watcher.js';
import { isIgnoredPath } from '../../core/ignored-file.js';
import { editArtifact, type GeneratedArtifact } from '../artifact-generator.js';
import { measure } from '../measurement.js';
import { createRandom } from '../mulberry32.js';
import { runCommand } from '../run-command.js';
import type { Measurement, Scenario, ScenarioContext, ScenarioResult } from '../scenario.js';

// 80% of a generated tree is APIs: 1,000 and 10,000 artifacts put 800 and 8,000 files in one `api/` folder.
const COUNTS = [1_000, 10_000];
// Work a watcher does after an event (chokidar's folder re-read, a GC) lands well within this.
const SETTLE_MS = 250;
const SEEN_TIMEOUT_MS = 5_000;

type SaveKind = 'write' | 'rename';

/** CPU ms per edit for each tree size and kind of save. */
export const publisherEditCpuScenario: Scenario = {
  name: 'publisher-edit-cpu',
  async run(ctx: ScenarioContext): Promise<ScenarioResult> {
    const reps = ctx.quick ? 10 : 30;
    const measurements: Measurement[] = [];
    for (const count of COUNTS) {
      const tree = await ctx.tree(count);
      const root = ctx.scratch.freshPath('publisher-edit-cpu');
      await runCommand('cp', ['-r', tree.root, root]);
      const apis = tree.artifacts.filter((artifact) => artifact.kind === 'api');
      ctx.log(`publisher watcher CPU per edit, ${apis.length} files in api/`);
      const seen = new Set<string>();
      const watcher = new TreeWatcher(
        { serverRoot: root, isIgnoredPath, logger: pino({ level: 'silent' }) },
        { onPath: (path) => seen.add(path), onFolder: () => undefined, onRescan: () => undefined },
      );
      await watcher.start();
      try {
        const random = createRandom(23);
        for (const kind of ['write', 'rename'] as const) {
          const samples: number[] = [];
          for (let rep = 0; rep < reps; rep += 1) {
            await sleep(SETTLE_MS);
            samples.push(await cpuOfOneEdit(root, random.pick(apis), rep, kind, seen));
          }
          measurements.push(measure(`edit-cpu.${apis.length}.artisync-${kind}`, 'artisync',
            `publisher watcher CPU per ${kind === 'write' ? 'write in place' : 'rename-over save'}, ${apis.length} files in api/`, 'ms', samples));
        }
      } finally {
        await watcher.stop();
      }
    }
    return { measurements, notes: [`process CPU (user+system, all threads) from the write to ${SETTLE_MS} ms after the event, the write included`] };
  },
};

/** Saves one edit of `artifact` and returns the CPU ms the process spent until it settled after the event. */
async function cpuOfOneEdit(root: string, artifact: GeneratedArtifact, rep: number, kind: SaveKind, seen: Set<string>): Promise<number> {
  const target = join(root, artifact.path);
  const content = editArtifact(artifact, rep).content;
  seen.clear();
  const before = process.cpuUsage();
  if (kind === 'write') await writeFile(target, content);
  else {
    const temp = join(root, `${artifact.path}.tmp`);
    await writeFile(temp, content);
    await rename(temp, target);
  }
  const deadline = Date.now() + SEEN_TIMEOUT_MS;
  while (!seen.has(artifact.path)) {
    if (Date.now() > deadline) throw new Error(`the watcher never reported ${artifact.path}`);
    await sleep(2);
  }
  await sleep(SETTLE_MS);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}
