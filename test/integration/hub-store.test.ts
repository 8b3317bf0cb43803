// RedisArtifactStore against a real redis-server: atomic changesets, idempotence, ordering, conflicts, blobs, digest, durability.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cp, rm } from 'node:fs/promises';
import type { Redis } from 'ioredis';
import { decodeChangeEvent } from '../../core/change-event.js';
import { ArtisyncError } from '../../core/errors.js';
import { sha256Of } from '../../core/blob-codec.js';
import { digestOf } from '../../core/label-digest.js';
import { consumerGroupName, redisKeys } from '../../core/redis-keys.js';
import { RedisArtifactStore, type ArtifactStoreOptions } from '../../hub/store/redis-artifact-store.js';
import { RedisNodeRegistry } from '../../hub/store/redis-node-registry.js';
import { TestRedis } from '../support/redis-server.js';

const API = 'synapse-configs/default/api/Pizza.xml';
const EP = 'synapse-configs/default/endpoints/PizzaEP.xml';
const PLAN = 'executionplans/throttle.siddhiql';
const text = (value: string): Buffer => Buffer.from(value, 'utf8');

let server: TestRedis;
let redis: Redis;
const clients: Redis[] = [];

function storeOn(client: Redis, options: Partial<ArtifactStoreOptions> = {}): RedisArtifactStore {
  return new RedisArtifactStore(client, { historyLimit: 50, streamMaxlen: 10_000, conflictPolicy: 'last-writer-wins', now: () => 1_700_000_000_000, blobGraceMs: 0, ...options });
}

function newClient(): Redis {
  const client = server.client();
  clients.push(client);
  return client;
}

async function streamEntries(label: string): Promise<Array<[string, string[]]>> {
  return redis.xrange(redisKeys.stream(label), '-', '+');
}

beforeAll(async () => {
  server = await TestRedis.start();
  redis = newClient();
});

afterAll(async () => {
  for (const client of clients) client.disconnect();
  await server.destroy();
});

describe('commitChangeset', () => {
  it('commits a changeset as one revision and reads it back', async () => {
    const store = storeOn(redis);
    const outcome = await store.commitChangeset({
      label: 'one', node: 'pub-1',
      changes: [{ op: 'put', path: API, content: text('<api/>') }, { op: 'put', path: EP, content: text('<endpoint/>') }],
    });
    expect(outcome.revision).toMatch(/^\d+-\d+$/);
    expect(outcome.items.map((item) => item.result?.version)).toEqual([1, 1]);
    const entries = await streamEntries('one');
    expect(entries).toHaveLength(1);
    const [id, fields] = entries[0] as [string, string[]];
    expect(id).toBe(outcome.revision);
    const event = decodeChangeEvent(id, fields);
    expect(event.node).toBe('pub-1');
    expect(event.items.map((item) => [item.op, item.path, item.version])).toEqual([['put', API, 1], ['put', EP, 1]]);
    const snapshot = await store.snapshot('one');
    expect(snapshot.revision).toBe(outcome.revision);
    expect(snapshot.artifacts.map((head) => head.path)).toEqual([API, EP]);
    expect((await store.versionContent('one', API)).content.toString()).toBe('<api/>');
    expect(await store.labels()).toContain('one');
  });

  it('makes no version and no event for unchanged content or a delete of a missing path', async () => {
    const store = storeOn(redis);
    await store.commitChangeset({ label: 'same', node: 'n', changes: [{ op: 'put', path: PLAN, content: text('@Plan:name("a")') }] });
    const again = await store.commitChangeset({
      label: 'same', node: 'n',
      changes: [{ op: 'put', path: PLAN, content: text('@Plan:name("a")') }, { op: 'delete', path: EP }],
    });
    expect(again.revision).toBeNull();
    expect(again.items.map((item) => item.result?.unchanged)).toEqual([true, true]);
    expect(again.items[0]?.result?.version).toBe(1);
    expect(await streamEntries('same')).toHaveLength(1);
    expect(await store.history('same', PLAN)).toHaveLength(1);
  });

  it('deletes: a new version, the head gone, the digest updated, versions never reused', async () => {
    const store = storeOn(redis);
    await store.commitChangeset({ label: 'del', node: 'n', changes: [{ op: 'put', path: API, content: text('<api a="1"/>') }, { op: 'put', path: EP, content: text('<endpoint/>') }] });
    const deleted = await store.commitChangeset({ label: 'del', node: 'n', changes: [{ op: 'delete', path: API }] });
    expect(deleted.items[0]?.result).toMatchObject({ op: 'delete', version: 2, unchanged: false, sha256: '' });
    expect(await store.head('del', API)).toBeUndefined();
    const recreated = await store.commitChangeset({ label: 'del', node: 'n', changes: [{ op: 'put', path: API, content: text('<api a="2"/>') }] });
    expect(recreated.items[0]?.result?.version).toBe(3);
    const snapshot = await store.snapshot('del');
    expect(snapshot.digest).toBe(digestOf(snapshot.artifacts.map((head) => [head.path, head.sha256] as const)));
    expect((await store.digest('del')).digest).toBe(snapshot.digest);
  });

  it('returns the first answer to a retried request id without a duplicate', async () => {
    const store = storeOn(redis);
    const request = { label: 'retry', node: 'n', requestId: 'req-1', changes: [{ op: 'put' as const, path: API, content: text('<api v="1"/>') }] };
    const first = await store.commitChangeset(request);
    const second = await store.commitChangeset({ ...request, changes: [{ op: 'put', path: API, content: text('<api v="2"/>') }] });
    expect(second).toEqual(first);
    expect(await streamEntries('retry')).toHaveLength(1);
    expect(await redis.ttl(`${redisKeys.request('retry', 'req-1')}`)).toBeGreaterThan(86_000);
  });

  it('records a stale-base edit as a conflict under last-writer-wins', async () => {
    const store = storeOn(redis);
    await store.commitChangeset({ label: 'lww', node: 'a', changes: [{ op: 'put', path: API, content: text('<api v="1"/>') }] });
    await store.commitChangeset({ label: 'lww', node: 'a', changes: [{ op: 'put', path: API, content: text('<api v="2"/>'), baseVersion: 1 }] });
    const late = await store.commitChangeset({ label: 'lww', node: 'b', changes: [{ op: 'put', path: API, content: text('<api v="b"/>'), baseVersion: 1 }] });
    expect(late.items[0]?.result).toMatchObject({ version: 3, conflict: true });
    const history = await store.history('lww', API);
    expect(history.map((entry) => [entry.version, entry.conflict])).toEqual([[3, true], [2, false], [1, false]]);
    expect((await store.head('lww', API))?.node).toBe('b');
  });

  it('refuses only the conflicting item under reject; the others commit in one revision', async () => {
    const store = storeOn(redis, { conflictPolicy: 'reject' });
    await store.commitChangeset({ label: 'rej', node: 'a', changes: [{ op: 'put', path: API, content: text('<api v="1"/>') }] });
    await store.commitChangeset({ label: 'rej', node: 'a', changes: [{ op: 'put', path: API, content: text('<api v="2"/>') }] });
    const outcome = await store.commitChangeset({
      label: 'rej', node: 'b',
      changes: [{ op: 'put', path: API, content: text('<api v="b"/>'), baseVersion: 1 }, { op: 'put', path: EP, content: text('<endpoint/>'), baseVersion: 0 }],
    });
    expect(outcome.items[0]?.refused?.code).toBe('ARTISYNC_CONFLICT');
    expect(outcome.items[1]?.result).toMatchObject({ version: 1, conflict: false });
    expect((await store.head('rej', API))?.version).toBe(2);
    const last = (await streamEntries('rej')).at(-1) as [string, string[]];
    expect(decodeChangeEvent(last[0], last[1]).items.map((item) => item.path)).toEqual([EP]);
  });

  it('gives 200 concurrent puts from two clients dense versions, ordered history and one event each', async () => {
    const stores = [storeOn(newClient()), storeOn(newClient())];
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) =>
      (stores[i % 2] as RedisArtifactStore).commitChangeset({ label: 'race', node: `pub-${i % 2}`, changes: [{ op: 'put', path: API, content: text(`<api i="${i}"/>`) }] })));
    const versions = results.map((outcome) => outcome.items[0]?.result?.version ?? 0).sort((a, b) => a - b);
    expect(versions).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    const history = await stores[0]?.history('race', API) ?? [];
    expect(history.map((entry) => entry.version)).toEqual(Array.from({ length: 50 }, (_, i) => 200 - i));
    const entries = await streamEntries('race');
    expect(entries).toHaveLength(200);
    expect(entries.map(([id, fields]) => decodeChangeEvent(id, fields).items[0]?.version)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
  });

  it('keeps blob references exact when a short history is trimmed under concurrency', async () => {
    const stores = [storeOn(newClient(), { historyLimit: 3 }), storeOn(newClient(), { historyLimit: 3 })];
    const outcomes = await Promise.all(Array.from({ length: 60 }, (_, i) =>
      (stores[i % 2] as RedisArtifactStore).commitChangeset({ label: 'trim-race', node: 'n', changes: [{ op: 'put', path: PLAN, content: text(`@Plan:name("trim-race-${i % 7}")`) }] })));
    const written = outcomes.map((outcome) => outcome.items[0]?.result).filter((result) => result?.unchanged === false).map((result) => result?.version ?? 0);
    expect(written.sort((a, b) => a - b)).toEqual(Array.from({ length: written.length }, (_, i) => i + 1));
    const history = await stores[0]?.history('trim-race', PLAN) ?? [];
    expect(history.map((entry) => entry.version)).toEqual([written.length, written.length - 1, written.length - 2]);
    const expectedRefs = new Map<string, number>();
    for (const entry of history) expectedRefs.set(entry.sha256, (expectedRefs.get(entry.sha256) ?? 0) + 1);
    const shas = new Set(outcomes.map((outcome) => outcome.items[0]?.result?.sha256 ?? ''));
    for (const sha of shas) {
      expect(Number(await redis.hget(redisKeys.blobRefs('trim-race'), sha) ?? 0)).toBe(expectedRefs.get(sha) ?? 0);
      expect(await redis.exists(redisKeys.blob(sha))).toBe(expectedRefs.has(sha) ? 1 : 0);
    }
  });
});

describe('blobs and history trim', () => {
  it('stores identical content once across labels', async () => {
    const store = storeOn(redis);
    const content = text('<sequence name="shared"/>'.repeat(30));
    const a = await store.commitChangeset({ label: 'dedupe-a', node: 'n', changes: [{ op: 'put', path: EP, content }] });
    await store.commitChangeset({ label: 'dedupe-b', node: 'n', changes: [{ op: 'put', path: EP, content }] });
    const sha = a.items[0]?.result?.sha256 ?? '';
    expect(await redis.hget(redisKeys.blobRefs('dedupe-a'), sha)).toBe('1');
    expect(await redis.hget(redisKeys.blobRefs('dedupe-b'), sha)).toBe('1');
    expect(await redis.exists(redisKeys.blob(sha))).toBe(1);
    expect((await store.blob(sha))?.equals(content)).toBe(true);
  });

  it('releases blobs that trimmed history entries were the last to reference', async () => {
    const store = storeOn(redis, { historyLimit: 2 });
    const shas: string[] = [];
    for (let i = 1; i <= 4; i += 1) {
      const outcome = await store.commitChangeset({ label: 'trim', node: 'n', changes: [{ op: 'put', path: API, content: text(`<api unique-trim="${i}"/>`) }] });
      shas.push(outcome.items[0]?.result?.sha256 ?? '');
    }
    expect((await store.history('trim', API)).map((entry) => entry.version)).toEqual([4, 3]);
    expect(await redis.exists(redisKeys.blob(shas[0] ?? ''), redisKeys.blob(shas[1] ?? ''))).toBe(0);
    expect(await redis.hexists(redisKeys.blobRefs('trim'), shas[0] ?? '')).toBe(0);
    expect(await redis.exists(redisKeys.blob(shas[2] ?? ''), redisKeys.blob(shas[3] ?? ''))).toBe(2);
    await expect(store.versionContent('trim', API, 1)).rejects.toMatchObject({ code: 'ARTISYNC_NOT_FOUND' });
  });

  it('keeps a blob another label still references when one label trims it', async () => {
    const store = storeOn(redis, { historyLimit: 1 });
    const content = text('<api shared-trim="1"/>');
    const first = await store.commitChangeset({ label: 'keep-a', node: 'n', changes: [{ op: 'put', path: API, content }] });
    await store.commitChangeset({ label: 'keep-b', node: 'n', changes: [{ op: 'put', path: API, content }] });
    await store.commitChangeset({ label: 'keep-a', node: 'n', changes: [{ op: 'put', path: API, content: text('<api shared-trim="2"/>') }] });
    const sha = first.items[0]?.result?.sha256 ?? '';
    expect(await redis.hexists(redisKeys.blobRefs('keep-a'), sha)).toBe(0);
    expect(await redis.exists(redisKeys.blob(sha))).toBe(1);
    expect((await store.versionContent('keep-b', API)).content.equals(content)).toBe(true);
  });

  it('defers deleting a released blob while a commit may still hold it, and sweeps it once the grace is over', async () => {
    const store = storeOn(redis, { historyLimit: 1, blobGraceMs: 60_000 });
    const first = await store.commitChangeset({ label: 'grace', node: 'n', changes: [{ op: 'put', path: API, content: text('<api grace="1"/>') }] });
    await store.commitChangeset({ label: 'grace', node: 'n', changes: [{ op: 'put', path: API, content: text('<api grace="2"/>') }] });
    const sha = first.items[0]?.result?.sha256 ?? '';
    expect(await redis.exists(redisKeys.blob(sha)), 'held for the grace period').toBe(1);
    expect(await redis.zscore(redisKeys.blobSweep(), sha)).not.toBeNull();
    expect(await store.blobs.sweep()).not.toContain(sha);
    await redis.del(redisKeys.blobLease(sha)); // the lease's TTL running out
    expect(await store.blobs.sweep()).toContain(sha);
    expect(await redis.exists(redisKeys.blob(sha))).toBe(0);
    expect(await redis.zscore(redisKeys.blobSweep(), sha)).toBeNull();
  });

  it('deletes the blob of a refused change that nothing references', async () => {
    const store = storeOn(redis, { conflictPolicy: 'reject' });
    await store.commitChangeset({ label: 'refuse', node: 'n', changes: [{ op: 'put', path: API, content: text('<api r="1"/>') }] });
    await store.commitChangeset({ label: 'refuse', node: 'n', changes: [{ op: 'put', path: API, content: text('<api r="2"/>') }] });
    const refused = await store.commitChangeset({ label: 'refuse', node: 'n', changes: [{ op: 'put', path: API, content: text('<api r="3"/>'), baseVersion: 1 }] });
    expect(refused.items[0]?.refused?.code).toBe('ARTISYNC_CONFLICT');
    expect(await redis.exists(redisKeys.blob(sha256Of(text('<api r="3"/>'))))).toBe(0);
  });

  it('names the previous entry in each stream entry, so a reader can tell a gap without XINFO', async () => {
    const store = storeOn(redis);
    const a = await store.commitChangeset({ label: 'prev', node: 'n', changes: [{ op: 'put', path: API, content: text('<api p="1"/>') }] });
    const b = await store.commitChangeset({ label: 'prev', node: 'n', changes: [{ op: 'put', path: API, content: text('<api p="2"/>') }] });
    const events = (await streamEntries('prev')).map(([id, fields]) => decodeChangeEvent(id, fields));
    expect(events.map((event) => event.prev)).toEqual(['0-0', a.revision]);
    expect(b.revision).not.toBe(a.revision);
  });
});

describe('digest', () => {
  it('equals core digestOf over the snapshot after puts, updates and deletes', async () => {
    const store = storeOn(redis);
    const paths = Array.from({ length: 12 }, (_, i) => `synapse-configs/default/sequences/seq${i}.xml`);
    await store.commitChangeset({ label: 'dig', node: 'n', changes: paths.map((path) => ({ op: 'put' as const, path, content: text(`<sequence n="${path}"/>`) })) });
    await store.commitChangeset({ label: 'dig', node: 'n', changes: paths.slice(0, 4).map((path) => ({ op: 'delete' as const, path })) });
    await store.commitChangeset({ label: 'dig', node: 'n', changes: paths.slice(4, 8).map((path) => ({ op: 'put' as const, path, content: text(`<sequence v2="${path}"/>`) })) });
    const snapshot = await store.snapshot('dig');
    expect(snapshot.artifacts).toHaveLength(8);
    expect(snapshot.digest).toBe(digestOf(snapshot.artifacts.map((head) => [head.path, head.sha256] as const)));
    expect(await store.digest('dig')).toEqual({ label: 'dig', revision: snapshot.revision, digest: snapshot.digest, count: 8 });
  });
});

describe('Lua-level failure', () => {
  it('leaves no event and no data when a key of the changeset has the wrong type', async () => {
    const store = storeOn(redis);
    await redis.set(redisKeys.history('planted', EP), 'not a list');
    const error = await store.commitChangeset({
      label: 'planted', node: 'n', changes: [{ op: 'put', path: API, content: text('<api/>') }, { op: 'put', path: EP, content: text('<endpoint/>') }],
    }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ArtisyncError);
    expect((error as ArtisyncError).code).toBe('ARTISYNC_INTERNAL');
    expect(await redis.exists(redisKeys.stream('planted'), redisKeys.heads('planted'), redisKeys.versions('planted'), redisKeys.history('planted', API))).toBe(0);
  });
});

describe('RedisNodeRegistry', () => {
  it('creates or moves a consumer group and reports the lag the gateway sent, with no XINFO GROUPS', async () => {
    const store = storeOn(redis);
    const registry = new RedisNodeRegistry(redis, () => 42);
    const first = await store.commitChangeset({ label: 'groups', node: 'n', changes: [{ op: 'put', path: API, content: text('<api g="1"/>') }] });
    const second = await store.commitChangeset({ label: 'groups', node: 'n', changes: [{ op: 'put', path: API, content: text('<api g="2"/>') }] });
    await registry.recordHeartbeat({
      node: 'gw-1', roles: ['gateway'], publisherLabels: [], gatewayLabels: { groups: { appliedRevision: first.revision ?? '', lag: 99 } },
      overrides: [], invalid: [], conflicts: [], pending: 0, ready: true,
    });
    await registry.rewindGroup('groups', 'gw-1', second.revision ?? '', 'from');
    expect(await registry.rewindGroup('groups', 'gw-1', '0-0', 'from')).toBe('0-0');
    const [node] = await registry.listNodes();
    expect(node).toMatchObject({ node: 'gw-1', lastSeen: 42 });
    expect(node?.gatewayLabels.groups?.lag).toBe(99);
    expect(node?.gatewayLabels.groups?.hubRevision).toBe(second.revision);
    const groups = (await redis.xinfo('GROUPS', redisKeys.stream('groups'))) as unknown[][];
    expect(groups[0]).toContain(consumerGroupName('gw-1'));
  });
});

describe('durability', () => {
  it('loses no acknowledged write when Redis is killed and restarted with AOF', async () => {
    const durable = await TestRedis.start({ appendonly: true });
    const client = durable.client();
    client.on('error', () => undefined); // refusals while Redis is down are expected here
    try {
      const store = storeOn(client);
      const acknowledged = new Map<string, number>();
      const write = async (i: number): Promise<void> => {
        const path = `synapse-configs/default/local-entries/e${i % 10}.xml`;
        try {
          const outcome = await store.commitChangeset({ label: 'aof', node: 'n', changes: [{ op: 'put', path, content: text(`<localEntry i="${i}"/>`) }] });
          acknowledged.set(`${path}@${outcome.items[0]?.result?.version ?? 0}`, i);
        } catch {
          // refused while Redis is down: not acknowledged, so nothing is owed
        }
      };
      await Promise.all(Array.from({ length: 40 }, (_, i) => write(i)));
      const inFlight = Promise.all(Array.from({ length: 40 }, (_, i) => write(40 + i)));
      await durable.kill();
      await inFlight;
      await durable.restart();
      await Promise.all(Array.from({ length: 10 }, (_, i) => write(80 + i)));
      expect(acknowledged.size).toBeGreaterThanOrEqual(50);
      for (const [key, i] of acknowledged) {
        const [path, version] = key.split('@') as [string, string];
        const { content } = await store.versionContent('aof', path, Number(version));
        expect(content.toString()).toBe(`<localEntry i="${i}"/>`);
      }
    } finally {
      client.disconnect();
      await durable.destroy();
    }
  });
});

describe('Redis going back to an older state between the blob writes and the commit', () => {
  /** Runs `between` once, right after the next blob write of `client` is acknowledged and before the commit script. */
  function onNextBlobWrite(client: Redis, between: () => Promise<void>): void {
    const commands = client as unknown as { artisyncHoldBlob: (...args: unknown[]) => Promise<number> };
    const hold = commands.artisyncHoldBlob.bind(client);
    let armed = true;
    commands.artisyncHoldBlob = async (...args: unknown[]) => {
      const written = await hold(...args);
      if (armed) {
        armed = false;
        await between();
      }
      return written;
    };
  }

  it('writes again a blob the restored Redis lacks, so the committed event has its data', async () => {
    const durable = await TestRedis.start({ appendonly: true });
    const copy = `${durable.dir}-older`;
    const client = durable.client();
    const restored: string[] = [];
    try {
      const store = storeOn(client, { onBlobsRestored: (_label, shas) => restored.push(...shas) });
      await store.commitChangeset({ label: 'back', node: 'n', changes: [{ op: 'put', path: EP, content: text('<endpoint v="1"/>') }] });
      await cp(durable.dir, copy, { recursive: true });
      onNextBlobWrite(client, async () => {
        // As a failover to a replica the blob write had not reached: the commit goes to the older state.
        await durable.kill();
        await rm(durable.dir, { recursive: true, force: true });
        await cp(copy, durable.dir, { recursive: true });
        await durable.restart();
      });
      const outcome = await store.commitChangeset({ label: 'back', node: 'n', changes: [{ op: 'put', path: API, content: text('<api v="2"/>') }] });
      expect(outcome.revision).not.toBeNull();
      expect(restored).toEqual([sha256Of(text('<api v="2"/>'))]);
      expect((await store.versionContent('back', API, 1)).content.toString()).toBe('<api v="2"/>');
    } finally {
      client.disconnect();
      await durable.destroy();
      await rm(copy, { recursive: true, force: true });
    }
  });

  it('writes back the lost blob of a head when the same content is put again, without a new version', async () => {
    const store = storeOn(redis);
    await store.commitChangeset({ label: 'reimport', node: 'n', changes: [{ op: 'put', path: API, content: text('<api lost="1"/>') }] });
    await redis.del(redisKeys.blob(sha256Of(text('<api lost="1"/>'))));
    // What `artisync import` of the publisher's tree sends: every file, most of them unchanged.
    const again = await store.commitChangeset({ label: 'reimport', node: 'n', changes: [{ op: 'put', path: API, content: text('<api lost="1"/>') }] });
    expect(again.revision).toBeNull();
    expect(again.items[0]?.result).toMatchObject({ version: 1, unchanged: true });
    expect((await store.versionContent('reimport', API, 1)).content.toString()).toBe('<api lost="1"/>');
  });

  it('writes again the blobs of a retried request whose first reply was lost with them', async () => {
    const store = storeOn(redis);
    const request = { label: 'retry-blobs', node: 'n', requestId: 'r-blobs-1', changes: [{ op: 'put' as const, path: API, content: text('<api retried="1"/>') }] };
    const first = await store.commitChangeset(request);
    const sha = sha256Of(text('<api retried="1"/>'));
    // The hub died after the commit and Redis failed over to a replica holding the commit but not the blob.
    await redis.del(redisKeys.blob(sha));
    const again = await store.commitChangeset(request);
    expect(again).toEqual(first);
    expect((await store.versionContent('retry-blobs', API, 1)).content.toString()).toBe('<api retried="1"/>');
  });
});
