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
  /**
   * Read from replicas: on Cluster read-only commands go to them (READONLY per replica connection); on Sentinel the
   * connection is to a replica the Sentinels name, and fails fast (no offline queue, a command timeout) while there is
   * none, so its caller falls back to the master instead of waiting. Ignored on a single server.
   */
  readFromReplicas?: boolean;
}

/** How long a Sentinel replica read may take before its caller gives up on it and reads from the master. */
export const REPLICA_READ_TIMEOUT_MS = 2_000;

/** True when a redis_url names replicas a reader can use (Sentinel or Cluster). */
export function urlHasReplicas(url: string): boolean {
  return parseRedisUrl(url).kind !== 'standalone';
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
      return new Redis({ ...common, ...spec.options });
    case 'sentinel':
      return new Redis({
        ...common, ...spec.options,
        ...(extra.readFromReplicas === true ? { role: 'slave' as const, enableOfflineQueue: false, commandTimeout: REPLICA_READ_TIMEOUT_MS } : {}),
      });
    case 'cluster':
      return new Cluster(spec.nodes, {
        ...(extra.readFromReplicas === true ? { scaleReads: 'slave' as const } : {}),
        redisOptions: { ...common, ...spec.options.redisOptions },
        ...(extra.jitterReconnects === true ? { clusterRetryStrategy: (attempt: number) => reconnectDelayMs(attempt, Math.random) } : {}),
      });
  }
}
