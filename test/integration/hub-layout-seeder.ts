// Writes label data into Redis exactly as the hub lays it out (heads, blobs, versions, digest, stream), for gateway tests.
import type { Redis } from 'ioredis';
import { encodeBlob, sha256Of } from '../../core/blob-codec.js';
import { encodeChangeEvent, type ChangeEventItem } from '../../core/change-event.js';
import type { ArtifactHead } from '../../core/hub-api.js';
import { EMPTY_DIGEST, digestTerm, xorDigest } from '../../core/label-digest.js';
import { redisKeys } from '../../core/redis-keys.js';

/** One change to commit: content given for a put, omitted for a delete. */
export interface SeedChange {
  path: string;
  content?: string | Buffer;
}

/** Commits changesets into a label the way the hub's Lua does (without the atomicity, which tests do not need). */
export class HubLayoutSeeder {
  constructor(
    private readonly redis: Redis,
    private readonly node = 'pub-1',
    private readonly clock: () => number = () => Date.now(),
  ) {}

  /** Commits `changes` as one changeset (one stream entry); returns its revision. */
  async commit(label: string, changes: readonly SeedChange[], options: { maxlen?: number } = {}): Promise<string> {
    const items: ChangeEventItem[] = [];
    for (const change of changes) items.push(await this.applyHead(label, change));
    const trim = options.maxlen === undefined ? [] : ['MAXLEN', String(options.maxlen)];
    await this.redis.sadd(redisKeys.labels(), label);
    return (await this.redis.xadd(redisKeys.stream(label), ...trim, '*', ...encodeChangeEvent({ node: this.node, committedAt: this.clock(), items }))) as string;
  }

  /** Changes a head (blob, head, digest) without any stream event: drift as a drift check must find it. */
  async plantHead(label: string, change: SeedChange): Promise<void> {
    await this.applyHead(label, change);
  }

  /** The label's heads as stored. */
  async heads(label: string): Promise<Map<string, ArtifactHead>> {
    const raw = await this.redis.hgetall(redisKeys.heads(label));
    return new Map(Object.entries(raw).map(([path, json]) => [path, JSON.parse(json) as ArtifactHead]));
  }

  private async applyHead(label: string, change: SeedChange): Promise<ChangeEventItem> {
    const version = await this.redis.hincrby(redisKeys.versions(label), change.path, 1);
    const previous = await this.redis.hget(redisKeys.heads(label), change.path);
    let digest = (await this.redis.get(redisKeys.digest(label))) ?? EMPTY_DIGEST;
    if (previous !== null) digest = xorDigest(digest, digestTerm(change.path, (JSON.parse(previous) as ArtifactHead).sha256));
    if (change.content === undefined) {
      await this.redis.hdel(redisKeys.heads(label), change.path);
      await this.redis.set(redisKeys.digest(label), digest);
      return { op: 'delete', path: change.path, version, sha256: '', size: 0, conflict: false };
    }
    const bytes = Buffer.from(change.content);
    const sha256 = sha256Of(bytes);
    const head: ArtifactHead = { path: change.path, version, sha256, size: bytes.length, updatedAt: this.clock(), node: this.node };
    await this.redis.set(redisKeys.blob(sha256), encodeBlob(bytes));
    await this.redis.hset(redisKeys.heads(label), change.path, JSON.stringify(head));
    await this.redis.set(redisKeys.digest(label), xorDigest(digest, digestTerm(change.path, sha256)));
    return { op: 'put', path: change.path, version, sha256, size: bytes.length, conflict: false };
  }
}
