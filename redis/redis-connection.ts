// Opens the ioredis connection (plain, Sentinel or Cluster) a redis_url names, for the hub and the gateway alike.
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { reconnectDelayMs } from '../core/jitter.js';
import { parseRedisUrl } from '../core/redis-url.js';

/** A Redis or Cluster connection as ioredis gives it. */
export type RedisClient = Redis | Cluster;

/** Connection behaviour wanted on top of the URL; `maxRetriesPerRequest: null` queues commands through an outage. */
export interface RedisConnectionOptions {
  maxRetriesPerRequest?: number | null;
  connectionName?: string;
  /** Jitter reconnect delays (gateways: many of them reconnect when one Redis comes back). */
  jitterReconnects?: boolean;
  /** Send the commands issued in one tick as one write: fewer syscalls for Redis when many gateways poll. */
  autoPipelining?: boolean;
  /** On Cluster, send read-only commands to replicas (READONLY per replica connection); ignored elsewhere. */
  readFromReplicas?: boolean;
}

/** Creates the ioredis client for a redis_url; the caller quits it. */
export function createRedisConnection(url: string, extra: RedisConnectionOptions = {}): RedisClient {
  const spec = parseRedisUrl(url);
  const common: RedisOptions = {
    maxRetriesPerRequest: extra.maxRetriesPerRequest === undefined ? 2 : extra.maxRetriesPerRequest,
    connectionName: extra.connectionName,
    enableAutoPipelining: extra.autoPipelining === true,
    ...(extra.jitterReconnects === true ? { retryStrategy: (attempt: number) => reconnectDelayMs(attempt, Math.random) } : {}),
  };
  switch (spec.kind) {
    case 'standalone':
    case 'sentinel':
      return new Redis({ ...common, ...spec.options });
    case 'cluster':
      return new Cluster(spec.nodes, {
        ...(extra.readFromReplicas === true ? { scaleReads: 'slave' as const } : {}),
        redisOptions: { ...common, ...spec.options.redisOptions },
        ...(extra.jitterReconnects === true ? { clusterRetryStrategy: (attempt: number) => reconnectDelayMs(attempt, Math.random) } : {}),
      });
  }
}
