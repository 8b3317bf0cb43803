// Gateway blob reads on a real Redis Cluster with replicas: GETs land on the replicas (counted in their INFO
// commandstats), and a blob a replica does not have yet is still read from the master.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayRedis } from '../../agent/gateway/gateway-redis.js';
import { decodeBlob, encodeBlob, sha256Of } from '../../core/blob-codec.js';
import { redisKeys } from '../../core/redis-keys.js';
import { TestRedisCluster } from '../support/redis-cluster.js';
import { waitFor } from '../support/wait-for.js';

// Runs on the master only: REPL_AOF keeps the write out of the replication stream, so the replica lacks the key
// exactly as a lagging one would.
const SET_ON_MASTER_ONLY = "redis.set_repl(redis.REPL_AOF); return redis.call('SET', KEYS[1], ARGV[1])";

let redis: TestRedisCluster;
let gateway: GatewayRedis;

/** GET calls on each of `ports`, summed. */
async function gets(ports: readonly number[]): Promise<number> {
  const counts = await Promise.all(ports.map((port) => redis.commandCalls(port, 'get')));
  return counts.reduce((sum, count) => sum + count, 0);
}

beforeAll(async () => {
  redis = await TestRedisCluster.start({ masters: 3, replicasPerMaster: 1 });
  gateway = new GatewayRedis(redis.url, { onReady: () => undefined, onError: () => undefined });
}, 60_000);

afterAll(async () => {
  gateway.close();
  await redis.destroy();
});

describe('gateway blob reads on Redis Cluster', () => {
  it('reads blobs from the replicas, not the masters', async () => {
    const contents = Array.from({ length: 30 }, (_, index) => Buffer.from(`<api name="Replica${index}"/>`));
    const shas = contents.map((content) => sha256Of(content));
    const client = redis.client();
    try {
      await Promise.all(contents.map((content, index) => client.set(redisKeys.blob(shas[index] as string), encodeBlob(content))));
    } finally {
      client.disconnect();
    }
    const replicas = await redis.replicaPorts();
    const masters = await redis.masterPorts();
    expect(replicas).toHaveLength(3);
    await waitFor(async () => {
      const sizes = await Promise.all(masters.map((port) => redis.commandCalls(port, 'set')));
      const replicated = await Promise.all(replicas.map((port) => redis.commandCalls(port, 'set')));
      return sizes.reduce((a, b) => a + b, 0) === replicated.reduce((a, b) => a + b, 0);
    }, { timeoutMs: 10_000, message: 'blobs replicated' });
    const [replicaGets, masterGets] = [await gets(replicas), await gets(masters)];

    const read = await gateway.blobs(shas);

    expect(shas.map((sha) => String(decodeBlob(read.get(sha) as Buffer)))).toEqual(contents.map(String));
    expect(await gets(replicas) - replicaGets).toBe(30);
    expect(await gets(masters) - masterGets).toBe(0);
  });

  it('reads a blob the replica does not have yet from the master', async () => {
    const content = Buffer.from('<api name="Lagging"/>');
    const sha = sha256Of(content);
    const client = redis.client();
    try {
      await client.eval(SET_ON_MASTER_ONLY, 1, redisKeys.blob(sha), encodeBlob(content));
    } finally {
      client.disconnect();
    }
    const master = await redis.masterOf(redisKeys.blob(sha));
    const replicas = await redis.replicaPorts();
    const [replicaGets, masterGets] = [await gets(replicas), await redis.commandCalls(master, 'get')];

    const read = await gateway.blobs([sha]);

    expect(decodeBlob(read.get(sha) as Buffer).toString()).toBe(content.toString());
    expect(await gets(replicas) - replicaGets, 'tried on the replica first').toBe(1);
    expect(await redis.commandCalls(master, 'get') - masterGets, 'then on the master').toBe(1);
  });
});
