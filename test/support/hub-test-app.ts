// Builds a hub app against a test Redis with a tiny test-only validator, for integration tests that inject requests.
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { buildHubApp } from '../../hub/hub-app.js';
import type { ErrorCode } from '../../core/errors.js';
import type { ValidationIssue } from '../../core/validate-artifact.js';
import type { ValidateArtifact } from '../../hub/hub-deps.js';
import { createHubMetrics, type HubMetrics } from '../../hub/hub-metrics.js';
import { checkCommitDurability } from '../../hub/redis-persistence-check.js';
import type { HubConfig } from '../../core/config-schema.js';
import { RedisArtifactStore } from '../../hub/store/redis-artifact-store.js';
import { RedisNodeRegistry } from '../../hub/store/redis-node-registry.js';
import { fullAccessTokens, TokenRegistry } from '../../hub/token-registry.js';
import type { TestRedis } from './redis-server.js';

/** Test-only rules: `.xml` must contain `<`, "BROKEN" is an error at line 1, "PARTIAL" is incomplete, "WARN" a warning. */
export const testValidator: ValidateArtifact = (path, bytes) => {
  const text = Buffer.from(bytes).toString('utf8');
  const issues: ValidationIssue[] = [];
  const issue = (code: ErrorCode, severity: 'error' | 'warning', message: string): void => {
    issues.push({ code, severity, path, line: 1, column: 1, message });
  };
  if (path.endsWith('.xml') && !text.includes('<')) issue('ARTISYNC_XML_NO_ROOT', 'error', 'no root element');
  if (text.includes('BROKEN')) issue('ARTISYNC_XML_MALFORMED', 'error', 'broken on purpose');
  if (text.includes('PARTIAL')) issue('ARTISYNC_INCOMPLETE', 'error', 'file ends early');
  if (text.includes('WARN')) issue('ARTISYNC_NAME_MISMATCH', 'warning', 'name differs');
  const ok = !issues.some((found) => found.severity === 'error');
  return { ok, incomplete: text.includes('PARTIAL'), issues };
};

/** A hub app and what it was built from. */
export interface TestHub {
  app: FastifyInstance;
  store: RedisArtifactStore;
  metrics: HubMetrics;
  redis: Redis;
  close(): Promise<void>;
}

/** Options of a test hub. */
export interface TestHubOptions {
  tokens?: Record<string, string>;
  historyLimit?: number;
  streamMaxlen?: number;
  maxArtifactBytes?: number;
  conflictPolicy?: 'last-writer-wins' | 'reject';
  /** Durable-commit keys; given, the hub checks them at start and confirms each commit, as `artisync hub` does. */
  durability?: Pick<HubConfig, 'durable_replicas' | 'durable_timeout' | 'require_durable_commits'>;
}

/** Builds a hub app on `server`; tokens map token → node (none: insecure). */
export async function startTestHub(server: TestRedis, options: TestHubOptions = {}): Promise<TestHub> {
  const redis = server.client();
  const metrics = createHubMetrics();
  const now = (): number => Date.now();
  const conflictPolicy = options.conflictPolicy ?? 'last-writer-wins';
  const store = new RedisArtifactStore(redis, {
    historyLimit: options.historyLimit ?? 50, streamMaxlen: options.streamMaxlen ?? 1000, conflictPolicy, now,
    observeLatency: (operation, seconds) => metrics.redisLatency.observe({ operation }, seconds),
  });
  const durability = options.durability === undefined ? undefined : await checkCommitDurability(redis, options.durability, pino({ level: 'silent' }));
  const tokens = options.tokens === undefined ? undefined : new TokenRegistry(fullAccessTokens(new Map(Object.entries(options.tokens))));
  const app = await buildHubApp({
    config: { max_artifact_bytes: options.maxArtifactBytes ?? 1024 * 1024, conflict_policy: conflictPolicy },
    logger: pino({ level: 'silent' }), store, nodes: new RedisNodeRegistry(redis, now), validate: testValidator, tokens, metrics, now,
    ...(durability === undefined ? {} : { durability }),
  });
  return {
    app, store, metrics, redis,
    close: async () => {
      await app.close();
      redis.disconnect();
    },
  };
}
