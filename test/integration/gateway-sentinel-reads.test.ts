// Gateway blob reads through Sentinel: GETs go to the replica the Sentinels name (counted in its INFO commandstats),
// a blob the replica lacks is read from the master, and with the replica gone every read still succeeds on the master.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayRedis } from '../../agent/gateway/gateway-redis.js';
import { decodeBlob, encodeBlob, sha256Of } from '../../core/blob-codec.js';
import { redisKeys } from '../../core/redis-keys.js';
import type { TestRedis } from '../support/redis-server.js';
import { SentinelSetup } from '../support/sentinel-setup.js';
import { waitFor } from '../support/wait-for.js';

// Runs on the master only: REPL_AOF keeps the write out of the replication stream, as a lagging replica would lack it.
const SET_ON_MASTER_ONLY = "redis.set_repl(redis.REPL_AOF); return redis.call('SET', KEYS[1], ARGV[1])";

let setup: SentinelSetup;
let gateway: GatewayRedis;

async function gets(node: TestRedis): Promise<number> {
  const client = node.client();
  try {
    return Number(/^cmdstat_get:calls=(\d+)/m.exec(await client.info('commandstats'))?.[1] ?? 0);
  } finally {
    client.disconnect();
  }
}

async function writeBlobs(count: number, prefix: string): Promise<{ shas: string[]; contents: Buffer[] }> {
  const contents = Array.from({ length: count }, (_, index) => Buffer.from(`<api name="${prefix}${index}"/>`));
  const shas = contents.map((content) => sha256Of(content));
  const client = setup.client();
  try {
    await Promise.all(contents.map((content, index) => client.set(redisKeys.blob(shas[index] as string), encodeBlob(content))));
  } finally {
    client.disconnect();
  }
  return { shas, contents };
}

async function replicated(keys: readonly string[]): Promise<void> {
  const client = setup.replica.client();
  try {
    await waitFor(async () => (await client.exists(...keys)) === keys.length, { timeoutMs: 10_000, message: 'blobs on the replica' });
  } finally {
    client.disconnect();
  }
}

const texts = (read: Map<string, Buffer>, shas: readonly string[]) => shas.map((sha) => String(decodeBlob(read.get(sha) as Buffer)));

beforeAll(async () => {
  setup = await SentinelSetup.start();
  gateway = new GatewayRedis(setup.url, { onReady: () => undefined, onError: () => undefined });
}, 60_000);

afterAll(async () => {
  gateway?.close();
  await setup?.destroy();
});

describe('gateway blob reads through Sentinel', () => {
  it('reads blobs from the replica, not the master', async () => {
    const { shas, contents } = await writeBlobs(20, 'Sentinel');
    await replicated(shas.map((sha) => redisKeys.blob(sha)));
    // The replica connection comes up on its own schedule; the first reads may still have gone to the master.
    await waitFor(async () => {
      const before = await gets(setup.replica);
      await gateway.blobs(shas.slice(0, 1));
      return (await gets(setup.replica)) > before;
    }, { timeoutMs: 10_000, message: 'gateway reads on the replica' });
    const [replicaGets, masterGets] = [await gets(setup.replica), await gets(setup.master)];

    const read = await gateway.blobs(shas);

    expect(texts(read, shas)).toEqual(contents.map(String));
    expect(await gets(setup.replica) - replicaGets).toBe(20);
    expect(await gets(setup.master) - masterGets).toBe(0);
  });

  it('reads a blob the replica does not have yet from the master', async () => {
    const content = Buffer.from('<api name="SentinelLagging"/>');
    const sha = sha256Of(content);
    const client = setup.client();
    try {
      await client.eval(SET_ON_MASTER_ONLY, 1, redisKeys.blob(sha), encodeBlob(content));
    } finally {
      client.disconnect();
    }
    const [replicaGets, masterGets] = [await gets(setup.replica), await gets(setup.master)];

    const read = await gateway.blobs([sha]);

    expect(texts(read, [sha])).toEqual([String(content)]);
    expect(await gets(setup.replica) - replicaGets, 'tried on the replica first').toBe(1);
    expect(await gets(setup.master) - masterGets, 'then on the master').toBe(1);
  });

  it('reads every blob from the master once the replica is gone', async () => {
    const { shas, contents } = await writeBlobs(5, 'NoReplica');
    await setup.replica.kill();

    const read = await gateway.blobs(shas);

    expect(texts(read, shas)).toEqual(contents.map(String));
    const again = await gateway.blobs(shas);
    expect(texts(again, shas)).toEqual(contents.map(String));
  }, 30_000);
});
