// Hub and gateway on a real 3-master Redis Cluster with replicas: labels spread over the masters; sync, history,
// rollback and replay work; a cold-starting gateway reads blobs from the replicas; a master killed mid-stream fails over and the gateway converges.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HubClient } from '../../client/hub-client.js';
import { redisKeys } from '../../core/redis-keys.js';
import { apiPath, apiXml } from '../support/sample-artifacts.js';
import { TestRedisCluster } from '../support/redis-cluster.js';
import { TestCluster, type AgentNode } from '../support/test-cluster.js';
import { waitFor } from '../support/wait-for.js';

const LABELS = ['Production and Sandbox', 'Label1', 'Label2', 'odd:label {3}'];

let redis: TestRedisCluster;
let nodes: TestCluster;
let hub: HubClient;
let gateway: AgentNode;
let hubUrl: string;

/** What the gateway has on disk at `path`, or undefined. */
async function onDisk(path: string): Promise<string | undefined> {
  return readFile(join(gateway.serverRoot, path), 'utf8').catch(() => undefined);
}

/** Each label gets its own path, so the gateway's view of every label shows on disk. */
function pathOf(label: string, name: string): string {
  return apiPath(`${name}${LABELS.indexOf(label)}`);
}

beforeAll(async () => {
  redis = await TestRedisCluster.start({ masters: 3, replicasPerMaster: 1 });
  nodes = new TestCluster();
  const started = await nodes.startHub(redis.url);
  hubUrl = started.url;
  hub = new HubClient({ hubUrl: started.url, token: undefined, node: 'pub-cluster' });
  gateway = await nodes.startAgent({ nodeId: 'gw-1', hubUrl: started.url, redisUrl: redis.url, gatewayLabels: LABELS, extraArgs: ['--verify-interval', '1000'] });
}, 120_000);

afterAll(async () => {
  await nodes.stop();
  await redis.destroy();
});

describe('Redis Cluster', () => {
  it('spreads labels over the masters and syncs, keeps history, rolls back and replays', async () => {
    for (const label of LABELS) {
      await hub.putArtifact(label, pathOf(label, 'Api'), Buffer.from(apiXml(`Api${LABELS.indexOf(label)}`, 'v1')));
      await hub.putArtifact(label, pathOf(label, 'Api'), Buffer.from(apiXml(`Api${LABELS.indexOf(label)}`, 'v2')));
    }
    const masters = new Set(await Promise.all(LABELS.map((label) => redis.masterOf(redisKeys.stream(label)))));
    expect(masters.size, 'label streams on at least two masters').toBeGreaterThanOrEqual(2);
    const perMaster = [...(await redis.keysPerMaster()).values()];
    expect(perMaster.filter((count) => count > 0).length).toBeGreaterThanOrEqual(2);
    for (const label of LABELS) {
      await waitFor(async () => (await onDisk(pathOf(label, 'Api'))) === apiXml(`Api${LABELS.indexOf(label)}`, 'v2'), { timeoutMs: 30_000, message: `${label} synced` });
      expect((await hub.history(label, pathOf(label, 'Api'))).map((entry) => entry.version)).toEqual([2, 1]);
    }

    const [first] = LABELS as [string];
    const rolled = await hub.rollback(first, { path: pathOf(first, 'Api'), to: 1 });
    expect(rolled.version).toBe(3);
    await waitFor(async () => (await onDisk(pathOf(first, 'Api'))) === apiXml('Api0', 'v1'), { timeoutMs: 30_000, message: 'rollback on disk' });

    // Replay on a label in another slot: the node's group is rewound and the gateway re-applies what it read again.
    const last = LABELS[3] as string;
    const lastRevision = (await hub.history(last, pathOf(last, 'Api')))[1]?.revision ?? '';
    const replayed = await hub.replay(last, { node: 'gw-1', from: lastRevision });
    expect(replayed).toMatchObject({ label: last, node: 'gw-1' });
    await waitFor(() => gateway.daemon.logsWithMsg('replayed entries re-applied').length > 0, { timeoutMs: 30_000, message: 'replay re-applied' });
    expect(await onDisk(pathOf(last, 'Api'))).toBe(apiXml('Api3', 'v2'));
  });

  it('reads blobs from replicas when a gateway cold-starts', async () => {
    const replicas = await redis.replicaPorts();
    expect(replicas).toHaveLength(3);
    const replicaGets = async (): Promise<number> => (await Promise.all(replicas.map((port) => redis.commandCalls(port, 'get')))).reduce((a, b) => a + b, 0);
    const before = await replicaGets();
    const cold = await nodes.startAgent({ nodeId: 'gw-cold', hubUrl: hubUrl, redisUrl: redis.url, gatewayLabels: LABELS });
    for (const label of LABELS) {
      const path = join(cold.serverRoot, pathOf(label, 'Api'));
      await waitFor(async () => (await readFile(path, 'utf8').catch(() => undefined)) !== undefined, { timeoutMs: 30_000, message: `${label} on the cold gateway` });
    }
    expect(await replicaGets() - before, 'one blob GET per label at least, on replicas').toBeGreaterThanOrEqual(LABELS.length);
  });

  it('converges after a master fails over mid-stream', async () => {
    const label = LABELS[1] as string;
    const victim = await redis.masterOf(redisKeys.stream(label));
    const written: string[] = [];
    for (let i = 0; i < 12; i += 1) {
      if (i === 4) await redis.killMasterAndWaitForFailover(victim);
      const content = apiXml('Failover', `n${i}`);
      await waitFor(async () => hub.putArtifact(label, apiPath('Failover'), Buffer.from(content)).then(() => true, () => false), {
        timeoutMs: 30_000, message: `commit ${i} accepted`,
      });
      written.push(content);
    }
    expect(await redis.masterPorts()).not.toContain(victim);
    await waitFor(async () => (await onDisk(apiPath('Failover'))) === written[written.length - 1], { timeoutMs: 60_000, message: 'gateway converged after failover' });
    for (const other of LABELS) expect(await onDisk(pathOf(other, 'Api')), other).toBeDefined();
  });
});
