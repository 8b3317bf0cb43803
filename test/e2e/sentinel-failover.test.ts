// Hub and agents on a Redis Sentinel URL: the master is SIGKILLed mid-stream, Sentinel promotes the replica, and
// publishing and materializing go on with every version the hub acknowledged still there.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiPath, apiXml, writeArtifact } from '../support/sample-artifacts.js';
import { SentinelSetup } from '../support/sentinel-setup.js';
import { findStoreProblems, readHeads, sha256Of } from '../support/store-invariants.js';
import { readTrees, TestCluster, type AgentNode } from '../support/test-cluster.js';
import { waitFor } from '../support/wait-for.js';

const LABEL = 'Production and Sandbox';
const BEFORE_KILL = 6;
const TOTAL = 16;

let setup: SentinelSetup;
let cluster: TestCluster;
let publisher: AgentNode;
let gateway: AgentNode;

/** (path, version) pairs the publisher logged as acknowledged by the hub. */
function acknowledged(): Array<{ path: string; version: number }> {
  return publisher.daemon.logsWithMsg('artifact published').map((line) => ({ path: String(line.path), version: Number(line.version) }));
}

beforeAll(async () => {
  setup = await SentinelSetup.start({ appendonly: true });
  cluster = new TestCluster();
  const hub = await cluster.startHub(setup.url);
  publisher = await cluster.startAgent({ nodeId: 'pub-1', hubUrl: hub.url, redisUrl: setup.url, publishLabels: [LABEL] });
  gateway = await cluster.startAgent({ nodeId: 'gw-1', hubUrl: hub.url, redisUrl: setup.url, gatewayLabels: [LABEL], extraArgs: ['--verify-interval', '1000'] });
}, 120_000);

afterAll(async () => {
  await cluster.stop();
  await setup.destroy();
});

describe('Sentinel failover', () => {
  it('keeps publishing and materializing across a master kill, losing nothing acknowledged', async () => {
    const written = new Map<string, string>();
    let failover: Promise<{ oldPort: number; newPort: number }> | undefined;
    const reader = setup.client();
    for (let i = 0; i < TOTAL; i += 1) {
      const path = apiPath(`Stream${i}`);
      const content = apiXml(`Stream${i}`, `n${i}`);
      written.set(path, content);
      await writeArtifact(publisher.serverRoot, path, content);
      // A retry of a commit whose reply was lost in the failover answers "unchanged" and logs nothing: look at the heads too.
      await waitFor(async () => acknowledged().some((ack) => ack.path === path) || (await readHeads(reader, LABEL)).get(path)?.sha256 === sha256Of(content), {
        timeoutMs: 60_000, message: `${path} acknowledged`,
      });
      if (i === BEFORE_KILL - 1) failover = setup.killMasterAndWaitForFailover();
    }
    reader.disconnect();
    const { oldPort, newPort } = await (failover ?? Promise.reject(new Error('master never killed')));
    expect(newPort).not.toBe(oldPort);
    expect(await setup.currentMasterPort()).toBe(newPort);

    const wanted = [...written].sort(([a], [b]) => a.localeCompare(b));
    await waitFor(async () => JSON.stringify([...(await readTrees(gateway.serverRoot))]) === JSON.stringify(wanted), {
      timeoutMs: 60_000, message: 'gateway equal to everything written',
    });
    const client = setup.client();
    try {
      const heads = await readHeads(client, LABEL);
      for (const [path, content] of written) expect(heads.get(path)?.sha256, path).toBe(sha256Of(content));
      for (const ack of acknowledged()) expect(heads.get(ack.path)?.version, ack.path).toBeGreaterThanOrEqual(ack.version);
      expect(await findStoreProblems(client, LABEL)).toEqual([]);
    } finally {
      client.disconnect();
    }
    expect(publisher.daemon.alive && gateway.daemon.alive).toBe(true);
  });
});
