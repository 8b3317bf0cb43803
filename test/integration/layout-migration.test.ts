// The one-time move from the single-slot `{artisync}:*` layout, on a real Redis seeded the way the old hub wrote it.
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeBlob, sha256Of } from '../../core/blob-codec.js';
import { decodeChangeEvent, encodeChangeEvent } from '../../core/change-event.js';
import type { ArtifactHead, HistoryEntry } from '../../core/hub-api.js';
import { digestOf } from '../../core/label-digest.js';
import { LAYOUT_VERSION, consumerGroupName, legacyRedisKeys, redisKeys } from '../../core/redis-keys.js';
import { hasLegacyLayout, migrateLegacyLayout } from '../../hub/store/layout-migration.js';
import { RedisArtifactStore } from '../../hub/store/redis-artifact-store.js';
import { TestRedis } from '../support/redis-server.js';

const API = 'synapse-configs/default/api/Pizza.xml';
const EP = 'synapse-configs/default/endpoints/PizzaEP.xml';

let server: TestRedis;
let redis: Redis;

/** Writes one put the way the pre-layout-2 commit script did: blob, refs, head, versions, history, digest, stream. */
async function legacyPut(label: string, path: string, content: string, version: number): Promise<string> {
  const bytes = Buffer.from(content);
  const sha256 = sha256Of(bytes);
  const head: ArtifactHead = { path, version, sha256, size: bytes.length, updatedAt: 1_700_000_000_000 + version, node: 'pub-old' };
  const revision = (await redis.xadd(legacyRedisKeys.stream(label), '*', ...encodeChangeEvent({
    node: 'pub-old', committedAt: head.updatedAt, items: [{ op: 'put', path, version, sha256, size: bytes.length, conflict: false }],
  }))) as string;
  const entry: HistoryEntry = { version, op: 'put', sha256, size: bytes.length, updatedAt: head.updatedAt, node: 'pub-old', conflict: false, revision };
  await redis.set(legacyRedisKeys.blob(sha256), encodeBlob(bytes));
  await redis.hincrby(legacyRedisKeys.blobRefs(), sha256, 1);
  await redis.hset(legacyRedisKeys.heads(label), path, JSON.stringify(head));
  await redis.hset(legacyRedisKeys.versions(label), path, version);
  await redis.lpush(`${legacyRedisKeys.historyPrefix(label)}${path}`, JSON.stringify(entry));
  await redis.sadd(legacyRedisKeys.labels(), label);
  const heads = Object.values(await redis.hgetall(legacyRedisKeys.heads(label))).map((raw) => JSON.parse(raw) as ArtifactHead);
  await redis.set(legacyRedisKeys.digest(label), digestOf(heads.map((item) => [item.path, item.sha256] as const)));
  return revision;
}

beforeAll(async () => {
  server = await TestRedis.start();
  redis = server.client();
});

afterAll(async () => {
  redis.disconnect();
  await server.destroy();
});

describe('migrateLegacyLayout', () => {
  it('moves every label with its history, blobs, consumer groups and heartbeats, and leaves no old key', async () => {
    const labels = ['prod', 'odd:label {x}'];
    const revisions = new Map<string, string[]>();
    for (const label of labels) {
      revisions.set(label, [
        await legacyPut(label, API, `<api v="1" l="${label}"/>`, 1),
        await legacyPut(label, API, `<api v="2" l="${label}"/>`, 2),
        await legacyPut(label, EP, '<endpoint shared="yes"/>', 1),
      ]);
    }
    // A gateway that had read and acknowledged the first changeset of "prod" only.
    await redis.xgroup('CREATE', legacyRedisKeys.stream('prod'), consumerGroupName('gw-1'), revisions.get('prod')?.[0] ?? '0');
    await redis.hset(legacyRedisKeys.nodes(), 'gw-1', JSON.stringify({ node: 'gw-1', lastSeen: 1 }));
    await redis.set(`${legacyRedisKeys.tag}:request:prod:req-1`, '{}', 'EX', 100);
    expect(await hasLegacyLayout(redis)).toBe(true);

    const report = await migrateLegacyLayout(redis);

    expect(report).toMatchObject({ labels: 2, blobs: 5 });
    expect(await redis.keys(legacyRedisKeys.pattern)).toEqual([]);
    expect(await redis.hget(redisKeys.meta(), 'layout')).toBe(String(LAYOUT_VERSION));
    const store = new RedisArtifactStore(redis, { historyLimit: 2, streamMaxlen: 1000, conflictPolicy: 'last-writer-wins', now: () => 1_800_000_000_000, blobGraceMs: 0 });
    expect(await store.labels()).toEqual([...labels].sort());
    for (const label of labels) {
      expect((await store.history(label, API)).map((entry) => entry.version)).toEqual([2, 1]);
      expect((await store.versionContent(label, API, 1)).content.toString()).toBe(`<api v="1" l="${label}"/>`);
      const snapshot = await store.snapshot(label);
      expect(snapshot.revision).toBe(revisions.get(label)?.[2]);
      expect(snapshot.digest).toBe(digestOf(snapshot.artifacts.map((head) => [head.path, head.sha256] as const)));
      expect((await store.versions(label)).versions).toEqual({ [API]: 2, [EP]: 1 });
    }
    // The gateway's group kept its position: it is offered exactly the two changesets it had not read.
    const reply = (await redis.xreadgroup('GROUP', consumerGroupName('gw-1'), 'gw-1', 'COUNT', 10, 'STREAMS', redisKeys.stream('prod'), '>')) as Array<[string, Array<[string, string[]]>]>;
    expect(reply[0]?.[1].map(([id]) => id)).toEqual(revisions.get('prod')?.slice(1));
    expect(JSON.parse((await redis.hget(redisKeys.nodes(), 'gw-1')) ?? '{}')).toMatchObject({ node: 'gw-1' });

    // References were rebuilt per label: a new commit trims version 1 of prod and deletes only prod's own old blob.
    const next = await store.commitChangeset({ label: 'prod', node: 'pub-new', changes: [{ op: 'put', path: API, content: Buffer.from('<api v="3"/>') }] });
    expect(next.items[0]?.result?.version).toBe(3);
    expect(await redis.exists(redisKeys.blob(sha256Of(Buffer.from('<api v="1" l="prod"/>'))))).toBe(0);
    expect(await redis.exists(redisKeys.blob(sha256Of(Buffer.from('<api v="1" l="odd:label {x}"/>'))))).toBe(1);
    const [, fields] = (await redis.xrevrange(redisKeys.stream('prod'), '+', '-', 'COUNT', 1))[0] ?? ['', []];
    expect(decodeChangeEvent(next.revision ?? '', fields).prev).toBe(revisions.get('prod')?.[2]);
  });

  it('does nothing on a store already in the per-label layout', async () => {
    expect(await hasLegacyLayout(redis)).toBe(false);
    expect(await migrateLegacyLayout(redis)).toBeUndefined();
  });
});
