// A stream entry delivered to the gateway's consumer whose reply never reached it (a reset connection, or Redis
// SIGKILLed after writing the delivery to its AOF) stays pending; the gateway re-reads its pending entries and applies
// it without a restart and without any later commit.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consumerGroupName, redisKeys } from '../../core/redis-keys.js';
import { apiPath, apiXml, writeArtifact } from '../support/sample-artifacts.js';
import { TestRedis } from '../support/redis-server.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { readTrees, TestCluster, type AgentNode } from '../support/test-cluster.js';
import { waitFor } from '../support/wait-for.js';

const LABEL = 'Production and Sandbox';
const HEAL_MS = 20_000;

let redis: TestRedis;
let proxy: TcpProxy;
let cluster: TestCluster;
let publisher: AgentNode;
let gateway: AgentNode;
const stopped: number[] = [];

async function onGateway(path: string): Promise<string | undefined> {
  return (await readTrees(gateway.serverRoot)).get(path);
}

/** The id of the last stream entry when it carries a file named `name`. */
async function lastEntryWith(client: Redis, name: string): Promise<string | undefined> {
  const [last] = (await client.xrevrange(redisKeys.stream(LABEL), '+', '-', 'COUNT', 1)) as Array<[string, string[]]>;
  return last !== undefined && last[1].some((field) => field.includes(name)) ? last[0] : undefined;
}

/** True once Redis has no blocked read of the gateway (a stopped gateway's BLOCK has run out). */
async function gatewayReadIdle(client: Redis): Promise<boolean> {
  const list = (await client.call('CLIENT', 'LIST')) as string;
  return !list.split('\n').some((line) => line.includes('name=artisync-gateway-read') && /flags=\S*b/.test(line));
}

beforeAll(async () => {
  redis = await TestRedis.start({ appendonly: true });
  proxy = await TcpProxy.start(redis.port);
  cluster = new TestCluster();
  const hub = await cluster.startHub(redis.url);
  publisher = await cluster.startAgent({ nodeId: 'pub-1', hubUrl: hub.url, redisUrl: redis.url, publishLabels: [LABEL] });
  gateway = await cluster.startAgent({ nodeId: 'gw-1', hubUrl: hub.url, redisUrl: `redis://${proxy.address}/0`, gatewayLabels: [LABEL] });
});

afterAll(async () => {
  for (const pid of stopped) process.kill(pid, 'SIGCONT');
  await cluster.stop();
  await proxy.close();
  await redis.destroy();
});

describe('lost XREADGROUP replies', () => {
  it('applies an entry whose reply a reset connection lost, with no new commit', async () => {
    const warmup = apiPath('Warmup');
    await writeArtifact(publisher.serverRoot, warmup, apiXml('Warmup', 'v1'));
    await waitFor(async () => (await onGateway(warmup)) === apiXml('Warmup', 'v1'), { message: 'warm-up API on the gateway' });

    const path = apiPath('LostReply');
    // The commit script's JSON escapes '/', so the marker is the file name alone (blob contents lack the ".xml").
    proxy.cutReplyContaining('LostReply.xml');
    await writeArtifact(publisher.serverRoot, path, apiXml('LostReply', 'v1'));
    await waitFor(() => proxy.repliesCut === 1, { message: 'the proxy to cut the reply carrying the entry' });
    await waitFor(async () => (await onGateway(path)) === apiXml('LostReply', 'v1'), { timeoutMs: HEAL_MS, message: 'the lost entry applied without a new commit' });
  });

  it('applies an entry delivered before Redis was SIGKILLed (AOF on) once Redis is back, without a restart', async () => {
    const client = redis.client();
    try {
      const pid = gateway.daemon.pid as number;
      process.kill(pid, 'SIGSTOP');
      stopped.push(pid);
      await waitFor(() => gatewayReadIdle(client), { timeoutMs: 10_000, message: "the stopped gateway's blocking read to expire" });

      const path = apiPath('DeliveredBeforeCrash');
      await writeArtifact(publisher.serverRoot, path, apiXml('DeliveredBeforeCrash', 'v1'));
      const id = await waitFor(() => lastEntryWith(client, 'DeliveredBeforeCrash.xml'), { message: 'the commit in the stream' });
      // Read as the gateway's own consumer: Redis records the delivery (and writes it to the AOF); the reply goes nowhere.
      const reply = (await client.call('XREADGROUP', 'GROUP', consumerGroupName('gw-1'), 'gw-1', 'COUNT', 10, 'STREAMS', redisKeys.stream(LABEL), '>')) as Array<[string, Array<[string, string[]]>]>;
      expect(reply[0]?.[1].map(([entryId]) => entryId)).toEqual([id]);
      client.disconnect();

      await redis.kill();
      await redis.restart();
      process.kill(pid, 'SIGCONT');
      stopped.splice(stopped.indexOf(pid), 1);
      await waitFor(async () => (await onGateway(path)) === apiXml('DeliveredBeforeCrash', 'v1'), { timeoutMs: HEAL_MS, message: 'the delivered entry applied after the Redis restart' });
      expect(gateway.daemon.alive).toBe(true);
    } finally {
      client.disconnect();
    }
  });
});
