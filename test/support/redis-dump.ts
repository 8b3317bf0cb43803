// Reads every artisync key and its whole content, so a test can show a request left the store exactly as it was.
import type { Redis } from 'ioredis';
import { KEY_PREFIX } from '../../core/redis-keys.js';

/** key → type and content, in a form toEqual compares (sets and hashes sorted, streams with their ids). */
export type StoreDump = Record<string, { type: string; content: unknown }>;

/** Dumps every `artisync:*` key; keys matching `exclude` (e.g. node heartbeats) are left out. */
export async function dumpStore(redis: Redis, exclude?: RegExp): Promise<StoreDump> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${KEY_PREFIX}*`, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  const dump: StoreDump = {};
  for (const key of keys.sort()) {
    if (exclude?.test(key) === true) continue;
    const type = await redis.type(key);
    dump[key] = { type, content: await readKey(redis, key, type) };
  }
  return dump;
}

async function readKey(redis: Redis, key: string, type: string): Promise<unknown> {
  switch (type) {
    case 'string':
      return (await redis.getBuffer(key))?.toString('base64');
    case 'hash':
      return Object.fromEntries(Object.entries(await redis.hgetall(key)).sort(([a], [b]) => a.localeCompare(b)));
    case 'list':
      return redis.lrange(key, 0, -1);
    case 'set':
      return (await redis.smembers(key)).sort();
    case 'zset':
      return redis.zrange(key, 0, -1, 'WITHSCORES');
    case 'stream':
      return { entries: await redis.xrange(key, '-', '+'), length: await redis.xlen(key) };
    default:
      return undefined;
  }
}

/** Every `artisync:*` key as DUMP serialises it, to put the store back later. */
export async function captureKeys(redis: Redis): Promise<Array<[string, Buffer]>> {
  const keys = await redis.keys(`${KEY_PREFIX}*`);
  return Promise.all(keys.map(async (key): Promise<[string, Buffer]> => [key, await redis.dumpBuffer(key)]));
}

/** Empties Redis and restores captured keys: the store as an older AOF would bring it back, later writes lost. */
export async function restoreKeys(redis: Redis, captured: ReadonlyArray<[string, Buffer]>): Promise<void> {
  await redis.flushall();
  for (const [key, dump] of captured) await redis.restore(key, 0, dump);
}
