// Two stateless hubs on one Redis, agents spread over both: the same result as one hub, and no version given out twice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiPath, apiXml, endpointPath, endpointXml, writeArtifact } from '../support/sample-artifacts.js';
import { TestRedis } from '../support/redis-server.js';
import { findStoreProblems, readHeads, sha256Of } from '../support/store-invariants.js';
import { readTrees, TestCluster, type AgentNode } from '../support/test-cluster.js';
import { waitFor } from '../support/wait-for.js';

const LABEL = 'Production and Sandbox';
const SHARED = endpointPath('SharedEP');

let redis: TestRedis;
let cluster: TestCluster;
let publishers: AgentNode[];
let gateways: AgentNode[];

beforeAll(async () => {
  redis = await TestRedis.start({ appendonly: true });
  cluster = new TestCluster();
  const hubs = [await cluster.startHub(redis.url), await cluster.startHub(redis.url)];
  publishers = [];
  gateways = [];
  for (const [index, hub] of hubs.entries()) {
    publishers.push(await cluster.startAgent({ nodeId: `pub-${index}`, hubUrl: hub.url, redisUrl: redis.url, publishLabels: [LABEL] }));
    gateways.push(await cluster.startAgent({ nodeId: `gw-${index}`, hubUrl: hub.url, redisUrl: redis.url, gatewayLabels: [LABEL], extraArgs: ['--verify-interval', '1000'] }));
  }
});

afterAll(async () => {
  await cluster.stop();
  await redis.destroy();
});

describe('two hubs on one Redis', () => {
  it('converges every gateway to the same heads when publishers on both hubs write at once', async () => {
    const own = new Map<string, string>();
    await Promise.all(publishers.map(async (publisher, index) => {
      for (let i = 0; i < 10; i += 1) {
        const path = apiPath(`Hub${index}Api${i}`);
        const content = apiXml(`Hub${index}Api${i}`, `v${i}`);
        own.set(path, content);
        await writeArtifact(publisher.serverRoot, path, content);
        await writeArtifact(publisher.serverRoot, SHARED, endpointXml('SharedEP', `from-${index}-${i}`));
      }
    }));
    const client = redis.client();
    try {
      await waitFor(async () => {
        const heads = await readHeads(client, LABEL);
        return [...own].every(([path, content]) => heads.get(path)?.sha256 === sha256Of(content)) && heads.has(SHARED);
      }, { timeoutMs: 60_000, message: 'every publisher write to reach the heads' });
      // Both publishers keep their own last SHARED edit on disk; settle on one so the label has a single truth.
      const final = endpointXml('SharedEP', 'final');
      await writeArtifact(publishers[0]!.serverRoot, SHARED, final);
      own.set(SHARED, final);
      await waitFor(async () => (await readHeads(client, LABEL)).get(SHARED)?.sha256 === sha256Of(final), { timeoutMs: 60_000, message: 'final shared edit' });
      const wanted = JSON.stringify([...own].sort(([a], [b]) => a.localeCompare(b)));
      for (const gateway of gateways) {
        await waitFor(async () => JSON.stringify([...(await readTrees(gateway.serverRoot))]) === wanted, {
          timeoutMs: 60_000, message: `${gateway.nodeId} equal to the heads`,
        });
      }
      expect(await findStoreProblems(client, LABEL)).toEqual([]);
    } finally {
      client.disconnect();
    }
  });
});
