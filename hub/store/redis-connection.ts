// Opens the ioredis connection (plain, Sentinel or Cluster) a redis_url names.
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { parseRedisUrl } from '../../core/redis-url.js';
import type { RedisClient } from './redis-artifact-store.js';

/** Connection behaviour the hub wants on top of the URL: fail requests fast instead of queueing them for long. */
export interface RedisConnectionOptions {
  maxRetriesPerRequest?: number;
  connectionName?: string;
}

/** Creates the ioredis client for a redis_url; the caller quits it. */
export function createRedisConnection(url: string, extra: RedisConnectionOptions = {}): RedisClient {
  const spec = parseRedisUrl(url);
  const common: RedisOptions = { maxRetriesPerRequest: extra.maxRetriesPerRequest ?? 2, connectionName: extra.connectionName };
  switch (spec.kind) {
    case 'standalone':
    case 'sentinel':
      return new Redis({ ...common, ...spec.options });
    case 'cluster':
      return new Cluster(spec.nodes, { redisOptions: { ...common, ...spec.options.redisOptions } });
  }
}
