// artisync end to end at 1,000 and 10,000 artifacts: bulk copy to 2 gateways, single-edit latency (publisher → hub
// head, publisher → both gateways), a cold gateway's startup sync, and the processes' resources.
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { sha256Of } from '../../core/blob-codec.js';
import { redisKeys } from '../../core/redis-keys.js';
import { editArtifact, type GeneratedArtifact } from '../artifact-generator.js';
import { BenchCluster } from '../cluster.js';
import { measure } from '../measurement.js';
import { createRandom } from '../mulberry32.js';
import { waitUntilIdentical } from '../poll-identical.js';
import { runCommand } from '../run-command.js';
import type { Measurement, Scenario, ScenarioContext, ScenarioResult } from '../scenario.js';
import { assertTreeEquals, waitForFileCount } from '../tree-arrival.js';

const GAP_BETWEEN_EDITS_MS = 200;
const DRIFT_ROUNDS = 10;

/** One cluster per tree size; every measurement of that size is taken on it. */
export const artisyncSyncScenario: Scenario = {
  name: 'artisync-sync',
  async run(ctx: ScenarioContext): Promise<ScenarioResult> {
    const sizes = ctx.quick ? [1000] : [100, 1000, 10_000];
    const measurements: Measurement[] = [];
    for (const count of sizes) measurements.push(...(await runSize(ctx, count)));
    return { measurements, notes: ['gateways in data_retrieval_mode = "sync"; edits overwrite an api/ file in place, as the lsyncd peer does'] };
  },
};

async function runSize(ctx: ScenarioContext, count: number): Promise<Measurement[]> {
  const tree = await ctx.tree(count);
  const cluster = await BenchCluster.start(ctx.scratch, { gateways: 2, dataRetrievalMode: 'sync' });
  try {
    const gatewayRoots = cluster.gateways.map((node) => node.serverRoot);
    ctx.log(`artisync ${count}: bulk copy into the publisher`);
    const started = performance.now();
    await runCommand('cp', ['-r', `${tree.root}/.`, `${cluster.publisher.serverRoot}/`]);
    const bulkMs = (await waitForFileCount(gatewayRoots, count, 600_000)) - started;
    for (const root of gatewayRoots) await assertTreeEquals(root, tree.artifacts);
    const edits = await measureEdits(ctx, cluster, tree.artifacts, count);
    const toHub = await measurePublishToHub(ctx, cluster, tree.artifacts, count);
    ctx.log(`artisync ${count}: cold gateway`);
    const joining = performance.now();
    const cold = await cluster.addGateway();
    const coldMs = cold.readyAt - joining;
    // Read before the drift checks, so that the figure is the cold start's own peak.
    const coldUsage = await cold.process.usage();
    const mb = (bytes: number) => bytes / 1_048_576;
    const edited = new Set([...edits.editedPaths, ...toHub.editedPaths]);
    await assertTreeEquals(cold.serverRoot, tree.artifacts.filter((artifact) => !edited.has(artifact.path)));
    const drift = await measureDriftCheck(cluster, count);
    const usage = await cluster.usage();
    const agents = Object.entries(usage).filter(([name]) => name !== 'hub' && name !== 'redis');
    return [
      measure(`bulk.${count}.artisync-2gw`, 'artisync', `${count} copied in → on 2 gateways`, 'ms', [bulkMs]),
      edits.measurement,
      toHub.measurement,
      measure(`cold.${count}.artisync`, 'artisync', 'new gateway until ready (sync mode)', 'ms', [coldMs]),
      ...drift,
      measure(`resources.${count}.cold-agent-rss`, 'artisync', 'cold gateway peak RSS through its startup sync', 'MB', [mb(coldUsage.peakRssBytes)]),
      measure(`resources.${count}.agent-rss`, 'artisync', 'agent peak RSS (max over agents)', 'MB', [Math.max(...agents.map(([, one]) => mb(one.peakRssBytes)))]),
      measure(`resources.${count}.hub-rss`, 'artisync', 'hub peak RSS', 'MB', [mb(usage.hub?.peakRssBytes ?? Number.NaN)]),
      measure(`resources.${count}.hub-cpu`, 'artisync', 'hub CPU seconds, whole run', 's', [usage.hub?.cpuSeconds ?? Number.NaN]),
      measure(`resources.${count}.agent-cpu`, 'artisync', 'agent CPU seconds, whole run (each agent)', 's', agents.map(([, one]) => one.cpuSeconds)),
      measure(`resources.${count}.redis-used-memory`, 'artisync', 'Redis used_memory', 'MB', [mb(await cluster.redisUsedMemoryBytes())]),
      measure(`resources.${count}.raw-head-bytes`, 'artisync', 'raw bytes of the heads', 'MB', [mb(tree.bytes)]),
    ];
  } finally {
    await cluster.stop();
  }
}

async function measureEdits(ctx: ScenarioContext, cluster: BenchCluster, artifacts: readonly GeneratedArtifact[], count: number) {
  const editCount = ctx.quick ? 20 : 50;
  ctx.log(`artisync ${count}: ${editCount} single edits`);
  const random = createRandom(count);
  const apis = artifacts.filter((artifact) => artifact.kind === 'api');
  const samples: number[] = [];
  const editedPaths: string[] = [];
  for (let n = 1; n <= editCount; n += 1) {
    const edited = editArtifact(random.pick(apis), n);
    editedPaths.push(edited.path);
    const targets = cluster.gateways.map((node) => join(node.serverRoot, edited.path));
    const started = performance.now();
    await writeFile(join(cluster.publisher.serverRoot, edited.path), edited.content);
    samples.push(waitUntilIdentical(targets, edited.content, 60_000) - started);
    await sleep(GAP_BETWEEN_EDITS_MS);
  }
  return { editedPaths, measurement: measure(`edit.${count}.artisync-2gw`, 'artisync', 'one edit → byte-identical on 2 gateways', 'ms', samples) };
}

// One drift-check round with nothing to repair, through the admin API (POST /v1/drift-check): the call's round trip,
// and the round's own duration as the agent measured it. Each round reads the digests and stats every file on disk
// (hashing none, as none changed), so its peer is an rsync scan of the same tree.
async function measureDriftCheck(cluster: BenchCluster, count: number): Promise<Measurement[]> {
  const node = cluster.gateways[0];
  if (node === undefined) return [];
  const calls: number[] = [];
  const inside: number[] = [];
  for (let n = 0; n < DRIFT_ROUNDS; n += 1) {
    const started = performance.now();
    const response = await fetch(`${node.adminUrl}/v1/drift-check`, { method: 'POST' });
    const reply = (await response.json()) as { ok: boolean; repaired: number; durationMs: number };
    calls.push(performance.now() - started);
    if (!response.ok || reply.repaired !== 0) throw new Error(`drift check on ${node.nodeId} answered ${response.status} with ${reply.repaired} repaired`);
    inside.push(reply.durationMs);
  }
  return [
    measure(`drift.${count}.artisync`, 'artisync', 'one drift-check round, nothing to repair (admin call)', 'ms', calls),
    measure(`drift.${count}.artisync-agent`, 'artisync', 'the same round as timed inside the agent', 'ms', inside),
  ];
}

// Publisher → hub head: polls the head in Redis, the hub's commit point, for the edited content's sha256.
async function measurePublishToHub(ctx: ScenarioContext, cluster: BenchCluster, artifacts: readonly GeneratedArtifact[], count: number) {
  const editCount = ctx.quick ? 20 : 50;
  const random = createRandom(count + 1);
  const apis = artifacts.filter((artifact) => artifact.kind === 'api');
  const redis = cluster.redis.client();
  const samples: number[] = [];
  const editedPaths: string[] = [];
  try {
    for (let n = 1; n <= editCount; n += 1) {
      const edited = editArtifact(random.pick(apis), 1000 + n);
      editedPaths.push(edited.path);
      const sha256 = sha256Of(edited.content);
      const started = performance.now();
      await writeFile(join(cluster.publisher.serverRoot, edited.path), edited.content);
      for (;;) {
        const head = await redis.hget(redisKeys.heads(cluster.label), edited.path);
        if (head !== null && (JSON.parse(head) as { sha256: string }).sha256 === sha256) break;
        if (performance.now() - started > 60_000) throw new Error(`hub head of ${edited.path} never changed`);
      }
      samples.push(performance.now() - started);
      await sleep(GAP_BETWEEN_EDITS_MS);
    }
  } finally {
    redis.disconnect();
  }
  return { editedPaths, measurement: measure(`publish.${count}.artisync-hub`, 'artisync', 'one edit → hub head', 'ms', samples) };
}
