// One-time move of a store from the single-slot `{artisync}:*` layout to one slot per label, run by the hub at start.
import { Cluster } from 'ioredis';
import { UnavailableError } from '../../core/errors.js';
import type { HistoryEntry } from '../../core/hub-api.js';
import { LAYOUT_VERSION, legacyRedisKeys, redisKeys } from '../../core/redis-keys.js';
import type { RedisClient } from '../../redis/redis-connection.js';

/** What the move did, for the hub's log. */
export interface MigrationReport {
  labels: number;
  keys: number;
  blobs: number;
}

const LOCK_KEY = `${redisKeys.meta()}:migrating`;
const LOCK_SECONDS = 600;
const SCAN_COUNT = 1000;

/** Escapes glob characters so a label matches itself in SCAN MATCH. */
function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, (char) => `\\${char}`);
}

/** Every key matching `pattern`, on each master of a Cluster or on the one server. */
async function scanKeys(redis: RedisClient, pattern: string): Promise<string[]> {
  const servers = redis instanceof Cluster ? redis.nodes('master') : [redis];
  const keys: string[] = [];
  for (const server of servers) {
    let cursor = '0';
    do {
      const [next, batch] = await server.scan(cursor, 'MATCH', pattern, 'COUNT', SCAN_COUNT);
      keys.push(...batch);
      cursor = next;
    } while (cursor !== '0');
  }
  return keys;
}

/** Copies one key to a new name (any slot) with its type, TTL and, for a stream, its consumer groups; false when absent. */
async function copyKey(redis: RedisClient, from: string, to: string): Promise<boolean> {
  const dump = await redis.dumpBuffer(from);
  if (dump === null) return false;
  const ttl = await redis.pttl(from);
  await redis.restore(to, ttl > 0 ? ttl : 0, dump, 'REPLACE');
  return true;
}

/** True when Redis still holds keys of the old layout (its labels, nodes or any stream). */
export async function hasLegacyLayout(redis: RedisClient): Promise<boolean> {
  if ((await redis.exists(legacyRedisKeys.labels(), legacyRedisKeys.nodes())) > 0) return true;
  return (await scanKeys(redis, `${globEscape(legacyRedisKeys.tag)}:stream:*`)).length > 0;
}

/**
 * Moves every label, its history, streams (consumer groups included, so gateways keep their positions), blobs and
 * node heartbeats to the per-label layout, then deletes the old keys. Safe to run again after a crash half-way: every
 * copy replaces, and the old keys go only once everything is copied. Undefined when there was nothing to move.
 */
export async function migrateLegacyLayout(redis: RedisClient): Promise<MigrationReport | undefined> {
  if (!(await hasLegacyLayout(redis))) return undefined;
  if ((await redis.set(LOCK_KEY, String(process.pid), 'EX', LOCK_SECONDS, 'NX')) === null) {
    throw new UnavailableError('ARTISYNC_REDIS_UNAVAILABLE', 'another hub is moving the Redis store to the per-label layout; start again once it is done', { subject: LOCK_KEY });
  }
  try {
    const tag = globEscape(legacyRedisKeys.tag);
    const labels = new Set(await redis.smembers(legacyRedisKeys.labels()));
    for (const key of await scanKeys(redis, `${tag}:stream:*`)) labels.add(key.slice(`${legacyRedisKeys.tag}:stream:`.length));
    const moved: string[] = [];
    for (const label of labels) moved.push(...(await migrateLabel(redis, label)));
    const blobKeys = await scanKeys(redis, `${tag}:blob:*`);
    for (const key of blobKeys) {
      if (await copyKey(redis, key, redisKeys.blob(key.slice(`${legacyRedisKeys.tag}:blob:`.length)))) moved.push(key);
    }
    if (await copyKey(redis, legacyRedisKeys.nodes(), redisKeys.nodes())) moved.push(legacyRedisKeys.nodes());
    if (labels.size > 0) await redis.sadd(redisKeys.labels(), ...labels);
    await redis.hset(redisKeys.meta(), 'layout', String(LAYOUT_VERSION));
    const old = [...moved, legacyRedisKeys.labels(), legacyRedisKeys.blobRefs(), ...(await scanKeys(redis, `${tag}:request:*`))];
    for (const key of old) await redis.unlink(key);
    return { labels: labels.size, keys: moved.length, blobs: blobKeys.length };
  } finally {
    await redis.del(LOCK_KEY);
  }
}

/** Copies a label's keys and rebuilds its blob references from its history; returns the old keys copied. */
async function migrateLabel(redis: RedisClient, label: string): Promise<string[]> {
  const moved: string[] = [];
  const pairs: Array<[string, string]> = [
    [legacyRedisKeys.heads(label), redisKeys.heads(label)], [legacyRedisKeys.versions(label), redisKeys.versions(label)],
    [legacyRedisKeys.stream(label), redisKeys.stream(label)], [legacyRedisKeys.digest(label), redisKeys.digest(label)],
  ];
  for (const [from, to] of pairs) if (await copyKey(redis, from, to)) moved.push(from);
  const prefix = legacyRedisKeys.historyPrefix(label);
  const refs = new Map<string, number>();
  for (const key of await scanKeys(redis, `${globEscape(prefix)}*`)) {
    const path = key.slice(prefix.length);
    if (await copyKey(redis, key, redisKeys.history(label, path))) moved.push(key);
    for (const raw of await redis.lrange(key, 0, -1)) {
      const entry = JSON.parse(raw) as HistoryEntry;
      if (entry.op === 'put') refs.set(entry.sha256, (refs.get(entry.sha256) ?? 0) + 1);
    }
  }
  await redis.del(redisKeys.blobRefs(label));
  if (refs.size > 0) await redis.hset(redisKeys.blobRefs(label), Object.fromEntries([...refs].map(([sha, count]) => [sha, String(count)])));
  return moved;
}
