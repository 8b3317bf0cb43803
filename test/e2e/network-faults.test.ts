// Network faults between agents and Redis/hub (a TCP proxy that delays, cuts and restores): agents recover by
// themselves, every gateway ends equal to the publisher, and the hub holds no duplicate and no missing version.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTrees, TestCluster, type AgentNode } from '../support/test-cluster.js';
import { TestRedis } from '../support/redis-server.js';
import { apiPath, apiXml, deleteArtifact, endpointPath, endpointXml, writeArtifact } from '../support/sample-artifacts.js';
import { findStoreProblems, readHeads, sha256Of } from '../support/store-invariants.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { waitFor } from '../support/wait-for.js';

const LABEL = 'Production and Sandbox';
const CONVERGE_MS = 60_000;

let redis: TestRedis;
let cluster: TestCluster;
let redisProxy: TcpProxy;
let hubProxy: TcpProxy;
let hubRedisProxy: TcpProxy;
let publisher: AgentNode;
let gateway: AgentNode;
const written = new Map<string, string>();

async function write(path: string, content: string): Promise<void> {
  written.set(path, content);
  await writeArtifact(publisher.serverRoot, path, content);
}

async function remove(path: string): Promise<void> {
  written.delete(path);
  await deleteArtifact(publisher.serverRoot, path);
}

/** Pushes the publisher logged as failed (hub unreachable or refused at the connection). */
function pushFailures(): number {
  return publisher.daemon.logs.filter((line) => line.msg === 'hub unreachable; changes kept pending' || line.msg === 'push failed; will retry').length;
}

/** Waits until the gateway's trees hold exactly what the test wrote on the publisher, and the hub's heads agree. */
async function expectConverged(): Promise<void> {
  const wanted = new Map([...written].sort(([a], [b]) => a.localeCompare(b)));
  await waitFor(async () => {
    const onGateway = await readTrees(gateway.serverRoot);
    return JSON.stringify([...onGateway]) === JSON.stringify([...wanted]);
  }, { timeoutMs: CONVERGE_MS, message: 'gateway equal to the publisher' });
  const direct = redis.client();
  try {
    const heads = await readHeads(direct, LABEL);
    expect(new Map([...heads].map(([path, head]) => [path, head.sha256]))).toEqual(new Map([...wanted].map(([path, content]) => [path, sha256Of(content)])));
    expect(await findStoreProblems(direct, LABEL)).toEqual([]);
  } finally {
    direct.disconnect();
  }
}

beforeAll(async () => {
  redis = await TestRedis.start({ appendonly: true });
  cluster = new TestCluster();
  hubRedisProxy = await TcpProxy.start(redis.port);
  const hub = await cluster.startHub(`redis://${hubRedisProxy.address}/0`);
  redisProxy = await TcpProxy.start(redis.port);
  hubProxy = await TcpProxy.start(hub.port);
  const viaProxies = { hubUrl: `http://${hubProxy.address}`, redisUrl: `redis://${redisProxy.address}/0` };
  publisher = await cluster.startAgent({ nodeId: 'pub-1', publishLabels: [LABEL], ...viaProxies });
  gateway = await cluster.startAgent({ nodeId: 'gw-1', gatewayLabels: [LABEL], extraArgs: ['--verify-interval', '1000'], ...viaProxies });
});

afterAll(async () => {
  await cluster.stop();
  await redisProxy.close();
  await hubProxy.close();
  await hubRedisProxy.close();
  await redis.destroy();
});

describe('network faults', () => {
  it('syncs through the proxies when the network is fine', async () => {
    await write(apiPath('Orders'), apiXml('Orders', 'v1'));
    await write(endpointPath('OrdersEP'), endpointXml('OrdersEP', 'v1'));
    await expectConverged();
    expect(redisProxy.connectionsAccepted).toBeGreaterThan(0);
    expect(hubProxy.connectionsAccepted).toBeGreaterThan(0);
  });

  it('keeps syncing, in order, while every packet is delayed', async () => {
    redisProxy.delay(150);
    hubProxy.delay(150);
    for (let i = 2; i <= 4; i += 1) await write(apiPath('Orders'), apiXml('Orders', `v${i}`));
    await write(apiPath('Delayed'), apiXml('Delayed', 'v1'));
    await expectConverged();
    redisProxy.restore();
    hubProxy.restore();
  });

  it('recovers after the hub and Redis are cut off, with changes made during the cut', async () => {
    redisProxy.cut();
    hubProxy.cut();
    const failuresBefore = pushFailures();
    await write(apiPath('DuringCut'), apiXml('DuringCut', 'v1'));
    await write(endpointPath('OrdersEP'), endpointXml('OrdersEP', 'v2'));
    await remove(apiPath('Delayed'));
    await waitFor(() => pushFailures() > failuresBefore, { message: 'the publisher to fail a push during the cut' });
    expect(await readTrees(gateway.serverRoot)).not.toEqual(new Map([...written]));
    redisProxy.restore();
    hubProxy.restore();
    await expectConverged();
  });

  it('recovers when only Redis is cut off from the gateway while the hub keeps committing', async () => {
    redisProxy.cut();
    await write(apiPath('RedisCut'), apiXml('RedisCut', 'v1'));
    await write(apiPath('Orders'), apiXml('Orders', 'v5'));
    const direct = redis.client();
    try {
      await waitFor(async () => (await readHeads(direct, LABEL)).get(apiPath('RedisCut')) !== undefined, { message: 'hub to commit during the cut' });
    } finally {
      direct.disconnect();
    }
    redisProxy.restore();
    await expectConverged();
  });

  it('recovers when the hub loses Redis: pushes fail, nothing half-committed, all lands after restore', async () => {
    hubRedisProxy.cut();
    const failuresBefore = pushFailures();
    await write(apiPath('HubLostRedis'), apiXml('HubLostRedis', 'v1'));
    await write(endpointPath('OrdersEP'), endpointXml('OrdersEP', 'v3'));
    await waitFor(() => pushFailures() > failuresBefore, { timeoutMs: 30_000, message: 'a push refused while the hub has no Redis' });
    hubRedisProxy.restore();
    await expectConverged();
  });

  it('recovers from repeated short cuts in the middle of a burst of edits', async () => {
    for (let round = 0; round < 5; round += 1) {
      await write(apiPath(`Burst${round}`), apiXml(`Burst${round}`, 'v1'));
      hubProxy.cut();
      redisProxy.cut();
      hubRedisProxy.cut();
      await write(apiPath('Orders'), apiXml('Orders', `burst-${round}`));
      hubProxy.restore();
      redisProxy.restore();
      hubRedisProxy.restore();
    }
    await expectConverged();
    expect(gateway.daemon.alive && publisher.daemon.alive).toBe(true);
  });
});
