// Blobs live in their own Cluster slots, apart from the labels that reference them: written (and held for a grace
// period) before a label's commit script, deleted only when no label references them and no commit holds them.
import { readFileSync } from 'node:fs';
import { redisKeys } from '../../core/redis-keys.js';
import type { RedisClient } from './redis-artifact-store.js';

interface BlobScripts {
  artisyncHoldBlob(blobKey: string, leaseKey: string, encoded: Buffer, graceMs: string): Promise<number>;
  artisyncDropBlob(blobKey: string, leaseKey: string): Promise<'DROPPED' | 'HELD'>;
}

/** How many deferred blobs one sweep looks at. */
const SWEEP_BATCH = 200;

function luaSource(name: string): string {
  return readFileSync(new URL(`./lua/${name}.lua`, import.meta.url), 'utf8');
}

/** Writes, holds and garbage-collects content-addressed blobs. */
export class BlobKeeper {
  private readonly scripts: BlobScripts;

  /** `graceMs`: how long a written blob stays safe from deletion while its commit runs (0 only in tests). */
  constructor(private readonly redis: RedisClient, private readonly graceMs: number, private readonly now: () => number) {
    redis.defineCommand('artisyncHoldBlob', { numberOfKeys: 2, lua: luaSource('hold-blob') });
    redis.defineCommand('artisyncDropBlob', { numberOfKeys: 2, lua: luaSource('drop-blob') });
    this.scripts = redis as unknown as BlobScripts;
  }

  /** Writes each blob (when absent) and holds it, before the commit script that references it. */
  async hold(blobs: ReadonlyMap<string, Buffer>): Promise<void> {
    await Promise.all([...blobs].map(([sha, encoded]) =>
      this.scripts.artisyncHoldBlob(redisKeys.blob(sha), redisKeys.blobLease(sha), encoded, String(this.graceMs))));
  }

  /**
   * Writes again (and holds) each blob of `blobs` (sha → its encoded content, made only when needed) that Redis does
   * not have; returns those shas. A blob written before a commit is missing after it when Redis restarted from an
   * older state or failed over to a replica it had not reached in between (the commit went to the new server, from
   * the offline queue).
   */
  async restoreMissing(blobs: ReadonlyMap<string, () => Buffer>): Promise<string[]> {
    const shas = [...blobs.keys()];
    const present = await Promise.all(shas.map((sha) => this.redis.exists(redisKeys.blob(sha))));
    const missing = shas.filter((_, index) => present[index] === 0);
    await this.hold(new Map(missing.map((sha) => [sha, (blobs.get(sha) as () => Buffer)()])));
    return missing;
  }

  /**
   * Deletes each candidate no label references; one still held is deferred to the sweep set. Returns the shas deleted.
   * Candidates are blobs a commit released (history trimmed) or wrote without committing them (refused, unchanged).
   */
  async collect(candidates: Iterable<string>): Promise<string[]> {
    const shas = [...new Set(candidates)];
    if (shas.length === 0) return [];
    const labels = await this.redis.smembers(redisKeys.labels());
    const dropped: string[] = [];
    await Promise.all(shas.map(async (sha) => {
      const refs = await Promise.all(labels.map((label) => this.redis.hexists(redisKeys.blobRefs(label), sha)));
      if (refs.some((ref) => ref === 1)) {
        await this.redis.zrem(redisKeys.blobSweep(), sha);
        return;
      }
      const outcome = await this.scripts.artisyncDropBlob(redisKeys.blob(sha), redisKeys.blobLease(sha));
      if (outcome === 'HELD') {
        await this.redis.zadd(redisKeys.blobSweep(), 'NX', this.now(), sha);
        return;
      }
      await this.redis.zrem(redisKeys.blobSweep(), sha);
      dropped.push(sha);
    }));
    return dropped;
  }

  /** Collects the oldest deferred blobs again; run periodically by the hub. Returns the shas deleted. */
  async sweep(): Promise<string[]> {
    return this.collect(await this.redis.zrange(redisKeys.blobSweep(), 0, SWEEP_BATCH - 1));
  }
}
