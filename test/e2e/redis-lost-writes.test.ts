// Redis loses its last acknowledged writes (an older AOF restored after a crash): publishers put back what they had
// pushed, every gateway ends with the publishers' latest content, and a person's edit on a publish+gateway node survives.
import { cp, mkdir, rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTrees, TestCluster, type AgentNode } from '../support/test-cluster.js';
import { TestRedis } from '../support/redis-server.js';
import { apiPath, apiXml, deleteArtifact, endpointPath, endpointXml, writeArtifact } from '../support/sample-artifacts.js';
import { readHeads, sha256Of } from '../support/store-invariants.js';
import { makeTempDir, removeTempDir } from '../support/temp-tree.js';
import { waitFor } from '../support/wait-for.js';

const LABEL = 'Production and Sandbox';
const RECOVER_MS = 30_000;
const EDITED = apiPath('Orders');
const HAND_EDITED = apiPath('Billing');
const CREATED = endpointPath('FreshEP');
const DELETED = apiPath('Retired');

let redis: TestRedis;
let olderAof: string;
let cluster: TestCluster;
let publisher: AgentNode;
let both: AgentNode;
let gateway: AgentNode;

/** What every tree and the hub must end with: the publishers' latest content. */
const latest = new Map<string, string>();

async function expectTree(agent: AgentNode, wanted: ReadonlyMap<string, string>, message: string): Promise<void> {
  const sorted = JSON.stringify([...wanted].sort(([a], [b]) => a.localeCompare(b)));
  await waitFor(async () => JSON.stringify([...await readTrees(agent.serverRoot)]) === sorted, { timeoutMs: RECOVER_MS, message });
}

async function hubHeads(): Promise<Map<string, string>> {
  const direct = redis.client();
  try {
    return new Map([...await readHeads(direct, LABEL)].map(([path, head]) => [path, head.sha256]));
  } finally {
    direct.disconnect();
  }
}

function shasOf(files: ReadonlyMap<string, string>): Map<string, string> {
  return new Map([...files].map(([path, content]) => [path, sha256Of(content)]));
}

async function expectHubHolds(wanted: ReadonlyMap<string, string>, message: string): Promise<void> {
  const expected = JSON.stringify([...shasOf(wanted)].sort(([a], [b]) => a.localeCompare(b)));
  await waitFor(async () => JSON.stringify([...await hubHeads().catch(() => new Map<string, string>())].sort(([a], [b]) => a.localeCompare(b))) === expected, { timeoutMs: RECOVER_MS, message });
}

beforeAll(async () => {
  redis = await TestRedis.start({ appendonly: true, extraArgs: ['--appendfsync', 'everysec'] });
  olderAof = await makeTempDir('artisync-older-aof-');
  cluster = new TestCluster();
  const hub = await cluster.startHub(redis.url);
  const common = { hubUrl: hub.url, redisUrl: redis.url };
  const audit = ['--audit-interval', '1000'];
  publisher = await cluster.startAgent({ nodeId: 'pub-1', publishLabels: [LABEL], extraArgs: audit, ...common });
  both = await cluster.startAgent({ nodeId: 'both-1', publishLabels: [LABEL], gatewayLabels: [LABEL], extraArgs: [...audit, '--verify-interval', '500'], ...common });
  gateway = await cluster.startAgent({ nodeId: 'gw-1', gatewayLabels: [LABEL], extraArgs: ['--verify-interval', '500'], ...common });
});

afterAll(async () => {
  await cluster.stop();
  await redis.destroy();
  await removeTempDir(olderAof);
});

describe('Redis restored from an older AOF', () => {
  it('puts back what the publishers had pushed, on the hub and on every gateway, and keeps a person\'s edit', async () => {
    const baseline = new Map([
      [EDITED, apiXml('Orders', 'v1')],
      [HAND_EDITED, apiXml('Billing', 'v1')],
      [DELETED, apiXml('Retired', 'v1')],
    ]);
    for (const [path, content] of baseline) await writeArtifact(publisher.serverRoot, path, content);
    for (const agent of [both, gateway]) await expectTree(agent, baseline, `${agent.nodeId} has the baseline`);
    // The copy is taken after every baseline commit was answered, so the AOF on disk already holds them.
    await cp(redis.dir, olderAof, { recursive: true });

    await writeArtifact(publisher.serverRoot, EDITED, apiXml('Orders', 'v2'));
    await writeArtifact(publisher.serverRoot, CREATED, endpointXml('FreshEP', 'v1'));
    await deleteArtifact(publisher.serverRoot, DELETED);
    await writeArtifact(both.serverRoot, HAND_EDITED, apiXml('Billing', 'edited by hand'));
    for (const [path, content] of baseline) latest.set(path, content);
    latest.set(EDITED, apiXml('Orders', 'v2'));
    latest.set(CREATED, endpointXml('FreshEP', 'v1'));
    latest.delete(DELETED);
    latest.set(HAND_EDITED, apiXml('Billing', 'edited by hand'));
    await expectHubHolds(latest, 'the hub holds the edits');
    await expectTree(gateway, latest, 'gw-1 has the edits');
    await expectTree(both, latest, 'both-1 has the edits');

    await redis.kill();
    await rm(redis.dir, { recursive: true, force: true });
    await mkdir(redis.dir, { recursive: true });
    await cp(olderAof, redis.dir, { recursive: true });
    await redis.restart();
    expect(await hubHeads()).toEqual(shasOf(baseline));

    await expectHubHolds(latest, 'the hub holds the publishers\' latest content again');
    await expectTree(gateway, latest, 'gw-1 ends with the publishers\' latest content');
    await expectTree(both, latest, 'both-1 keeps the hand edit and ends with the latest content');
  });
});
