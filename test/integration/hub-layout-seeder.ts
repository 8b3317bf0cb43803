// Seeds label data for gateway tests through the hub's real store (the same Lua script, keys and stream entries),
// plus the one thing the hub never does: change a head without a stream event, as a drift check must find it.
import type { Redis } from 'ioredis';
import { encodeBlob, sha256Of } from '../../core/blob-codec.js';
import type { ArtifactHead } from '../../core/hub-api.js';
import { EMPTY_DIGEST, digestTerm, xorDigest } from '../../core/label-digest.js';
import { redisKeys } from '../../core/redis-keys.js';
import { RedisArtifactStore } from '../../hub/store/redis-artifact-store.js';

/** One change to commit: content given for a put, omitted for a delete. */
export interface SeedChange {
  path: string;
  content?: string | Buffer;
}

/** Commits changesets into a label with RedisArtifactStore, as a hub would. */
export class HubLayoutSeeder {
  private readonly store: RedisArtifactStore;

  constructor(
    private readonly redis: Redis,
    private readonly node = 'pub-1',
    private readonly clock: () => number = () => Date.now(),
  ) {
    this.store = new RedisArtifactStore(redis, { historyLimit: 50, streamMaxlen: 10_000, conflictPolicy: 'last-writer-wins', now: clock, blobGraceMs: 0 });
  }

  /**
   * Commits `changes` as one changeset (one stream entry); returns its revision (the last one when nothing changed).
   * `maxlen` trims the stream exactly to that many entries afterwards, as a small stream_maxlen eventually does.
   */
  async commit(label: string, changes: readonly SeedChange[], options: { maxlen?: number } = {}): Promise<string> {
    const outcome = await this.store.commitChangeset({
      label, node: this.node,
      changes: changes.map((change) => (change.content === undefined
        ? { op: 'delete' as const, path: change.path }
        : { op: 'put' as const, path: change.path, content: Buffer.from(change.content) })),
    });
    if (options.maxlen !== undefined) await this.redis.xtrim(redisKeys.stream(label), 'MAXLEN', options.maxlen);
    return outcome.revision ?? (await this.store.digest(label)).revision;
  }

  /** Changes a head (blob, head, digest) without any stream event: drift as a drift check must find it. */
  async plantHead(label: string, change: SeedChange): Promise<void> {
    const previous = await this.redis.hget(redisKeys.heads(label), change.path);
    let digest = (await this.redis.get(redisKeys.digest(label))) ?? EMPTY_DIGEST;
    if (previous !== null) digest = xorDigest(digest, digestTerm(change.path, (JSON.parse(previous) as ArtifactHead).sha256));
    if (change.content === undefined) {
      await this.redis.hdel(redisKeys.heads(label), change.path);
      await this.redis.set(redisKeys.digest(label), digest);
      return;
    }
    const version = await this.redis.hincrby(redisKeys.versions(label), change.path, 1);
    const bytes = Buffer.from(change.content);
    const sha256 = sha256Of(bytes);
    const head: ArtifactHead = { path: change.path, version, sha256, size: bytes.length, updatedAt: this.clock(), node: this.node };
    await this.redis.set(redisKeys.blob(sha256), encodeBlob(bytes));
    await this.redis.hset(redisKeys.heads(label), change.path, JSON.stringify(head));
    await this.redis.set(redisKeys.digest(label), xorDigest(digest, digestTerm(change.path, sha256)));
  }

  /** The label's heads as stored. */
  async heads(label: string): Promise<Map<string, ArtifactHead>> {
    const raw = await this.redis.hgetall(redisKeys.heads(label));
    return new Map(Object.entries(raw).map(([path, json]) => [path, JSON.parse(json) as ArtifactHead]));
  }
}
