// Hub write throughput (single puts and batched changesets, artifacts/s) and Redis memory per stored artifact.
import { performance } from 'node:perf_hooks';
import { HubClient } from '../../client/hub-client.js';
import { findFreeLoopbackPort as findFreePort } from '../../cli/free-port.js';
import { TestRedis } from '../../test/support/redis-server.js';
import { generateTree, type GeneratedArtifact } from '../artifact-generator.js';
import { startHub } from '../cluster.js';
import { measure } from '../measurement.js';
import type { Scenario, ScenarioContext, ScenarioResult } from '../scenario.js';

const SINGLE_CONCURRENCY = 16;
const BATCH_ITEMS = 250;

/** Puts generated artifacts one request each, then in changesets, into a fresh hub on a private Redis. */
export const hubPutScenario: Scenario = {
  name: 'hub-put',
  async run(ctx: ScenarioContext): Promise<ScenarioResult> {
    const count = ctx.quick ? 1_000 : 10_000;
    const artifacts = generateTree(11, count);
    const redis = await TestRedis.start({ appendonly: true, extraArgs: ['--appendfsync', 'everysec'] });
    const listen = `127.0.0.1:${await findFreePort()}`;
    const hub = await startHub(await ctx.scratch.freshDir('hub-put'), redis.url, listen);
    try {
      const client = new HubClient({ hubUrl: `http://${listen}`, token: undefined, node: 'bench' });
      const before = await usedMemory(redis);
      const singleRate = await putSingly(client, 'single', artifacts);
      const batchRate = await putInBatches(client, 'batch', artifacts);
      const rawBytes = artifacts.reduce((sum, artifact) => sum + artifact.content.length, 0);
      const stored = (await usedMemory(redis)) - before;
      ctx.log(`hub put: ${singleRate.toFixed(0)}/s single, ${batchRate.toFixed(0)}/s batched; Redis +${mb(stored)} MB for 2 × ${mb(rawBytes)} MB raw`);
      return {
        measurements: [
          measure(`hub.put.${count}.single`, 'artisync', `hub PUT, ${SINGLE_CONCURRENCY} in flight`, 'files/s', [singleRate]),
          measure(`hub.put.${count}.batch`, 'artisync', `hub changesets of ${BATCH_ITEMS}`, 'files/s', [batchRate]),
          measure(`hub.memory.${count}.redis`, 'artisync', 'Redis used_memory growth, 2 labels of the same content', 'MB', [mb(stored)]),
          measure(`hub.memory.${count}.raw`, 'artisync', 'raw bytes of one label\'s heads', 'MB', [mb(rawBytes)]),
        ],
        notes: ['content is deduplicated by sha256 across labels, so the second label costs heads and history only'],
      };
    } finally {
      await hub.stop();
      await redis.destroy();
    }
  },
};

async function putSingly(client: HubClient, label: string, artifacts: readonly GeneratedArtifact[]): Promise<number> {
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < artifacts.length) {
      const artifact = artifacts[next++] as GeneratedArtifact;
      await client.putArtifact(label, artifact.path, artifact.content);
    }
  };
  await Promise.all(Array.from({ length: SINGLE_CONCURRENCY }, worker));
  return artifacts.length / ((performance.now() - started) / 1000);
}

async function putInBatches(client: HubClient, label: string, artifacts: readonly GeneratedArtifact[]): Promise<number> {
  const started = performance.now();
  for (let offset = 0; offset < artifacts.length; offset += BATCH_ITEMS) {
    const changes = artifacts.slice(offset, offset + BATCH_ITEMS).map((artifact) => ({
      op: 'put' as const, path: artifact.path, content: artifact.content,
    }));
    await client.pushChangeset(label, { changes });
  }
  return artifacts.length / ((performance.now() - started) / 1000);
}

async function usedMemory(redis: TestRedis): Promise<number> {
  const client = redis.client();
  try {
    return Number(/^used_memory:(\d+)\r?$/m.exec(await client.info('memory'))?.[1]);
  } finally {
    client.disconnect();
  }
}

function mb(bytes: number): number {
  return Math.round((bytes / 1_048_576) * 100) / 100;
}
