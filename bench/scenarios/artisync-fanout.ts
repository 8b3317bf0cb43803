// Fan-out: single-edit latency from the publisher to every gateway, at 1, 4 and 10 gateways on a 1,000-artifact label.
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { editArtifact } from '../artifact-generator.js';
import { BenchCluster } from '../cluster.js';
import { measure } from '../measurement.js';
import { createRandom } from '../mulberry32.js';
import { waitUntilIdentical } from '../poll-identical.js';
import { runCommand } from '../run-command.js';
import type { Measurement, Scenario, ScenarioContext, ScenarioResult } from '../scenario.js';
import { waitForFileCount } from '../tree-arrival.js';

const COUNT = 1000;
const GAP_BETWEEN_EDITS_MS = 200;

/** One cluster per gateway count; the tree is copied in first, then edits are timed until every gateway has them. */
export const artisyncFanoutScenario: Scenario = {
  name: 'artisync-fanout',
  async run(ctx: ScenarioContext): Promise<ScenarioResult> {
    const measurements: Measurement[] = [];
    for (const gateways of ctx.quick ? [1, 4] : [1, 4, 10]) measurements.push(await runFanout(ctx, gateways));
    return { measurements };
  },
};

async function runFanout(ctx: ScenarioContext, gateways: number): Promise<Measurement> {
  const tree = await ctx.tree(COUNT);
  ctx.log(`artisync fan-out: ${gateways} gateways`);
  const cluster = await BenchCluster.start(ctx.scratch, { gateways });
  try {
    await runCommand('cp', ['-r', `${tree.root}/.`, `${cluster.publisher.serverRoot}/`]);
    await waitForFileCount(cluster.gateways.map((node) => node.serverRoot), COUNT, 300_000);
    const random = createRandom(gateways);
    const apis = tree.artifacts.filter((artifact) => artifact.kind === 'api');
    const samples: number[] = [];
    for (let n = 1; n <= (ctx.quick ? 20 : 50); n += 1) {
      const edited = editArtifact(random.pick(apis), n);
      const targets = cluster.gateways.map((node) => join(node.serverRoot, edited.path));
      const started = performance.now();
      await writeFile(join(cluster.publisher.serverRoot, edited.path), edited.content);
      samples.push(waitUntilIdentical(targets, edited.content, 60_000) - started);
      await sleep(GAP_BETWEEN_EDITS_MS);
    }
    return measure(`fanout.${gateways}gw.artisync`, 'artisync', `one edit → ${gateways} gateway(s)`, 'ms', samples);
  } finally {
    await cluster.stop();
  }
}
