// Composition root of `artisync hub`: config → logger → Redis → app → listen → SIGTERM/SIGINT graceful close.
import { readFileSync } from 'node:fs';
import { pino, type Logger } from 'pino';
import type { HubConfig } from '../core/config-schema.js';
import { ConfigError } from '../core/errors.js';
import { withLogFormat } from '../core/log-format.js';
import { validateArtifact } from '../core/validate-artifact.js';
import { buildHubApp } from './hub-app.js';
import type { HubDeps } from './hub-deps.js';
import { createHubMetrics } from './hub-metrics.js';
import { checkCommitDurability, warnIfRedisNotPersistent } from './redis-persistence-check.js';
import type { CommitDurability } from './store/commit-durability.js';
import { createRedisConnection } from '../redis/redis-connection.js';
import { migrateLegacyLayout } from './store/layout-migration.js';
import { BLOB_GRACE_MS, RedisArtifactStore, type RedisClient } from './store/redis-artifact-store.js';
import { RedisNodeRegistry } from './store/redis-node-registry.js';
import type { TokenRegistry } from './token-registry.js';
import { loadTokens, reloadTokensOnSighup } from './tokens-file.js';

function loadTls(config: HubConfig): HubDeps['https'] {
  if (config.tls_cert === undefined && config.tls_key === undefined) return undefined;
  if (config.tls_cert === undefined || config.tls_key === undefined) {
    throw new ConfigError('ARTISYNC_CONFIG_INVALID', 'config keys tls_cert and tls_key: set both or neither', { subject: config.tls_cert === undefined ? 'tls_cert' : 'tls_key' });
  }
  try {
    return { cert: readFileSync(config.tls_cert), key: readFileSync(config.tls_key) };
  } catch (err) {
    throw new ConfigError('ARTISYNC_CONFIG_INVALID', `config key tls_cert/tls_key: ${(err as Error).message}`, { subject: 'tls_cert', cause: err });
  }
}

/** Creates the hub's logger: log_format (default JSON lines for journald, pretty on a terminal), secrets redacted. */
export function createHubLogger(config: HubConfig): Logger {
  const options = { level: config.log_level, base: { service: 'artisync-hub' }, redact: ['token', '*.token', 'headers.authorization', 'req.headers.authorization'] };
  return pino(withLogFormat(options, config.log_format, process.stdout.isTTY));
}

/** Runs the hub until SIGTERM or SIGINT; resolves with the exit status. */
export async function runHub(config: HubConfig): Promise<number> {
  const tokens = loadTokens(config);
  const https = loadTls(config);
  const logger = createHubLogger(config);
  if (tokens === undefined) logger.warn('running without tokens (--insecure): anyone who reaches the hub can change artifacts');
  const redis = createRedisConnection(config.redis_url, { connectionName: 'artisync-hub' });
  redis.on('error', (err: Error) => logger.warn({ err }, 'Redis connection error'));
  try {
    await warnIfRedisNotPersistent(redis, logger);
    const durability = await checkCommitDurability(redis, config, logger);
    const migrated = await migrateLegacyLayout(redis);
    if (migrated !== undefined) logger.warn(migrated, 'moved the Redis store from the {artisync} layout to one slot per label');
    const deps = composeDeps(config, redis, logger, tokens, https, durability);
    const app = await buildHubApp(deps);
    // Blobs no label references but a commit still held are deleted once their grace period is over.
    const sweeper = setInterval(() => void deps.store.blobs.sweep().catch((err: unknown) => logger.warn({ err }, 'blob sweep failed')), BLOB_GRACE_MS);
    sweeper.unref();
    const separator = config.listen.lastIndexOf(':');
    const address = await app.listen({ host: config.listen.slice(0, separator), port: Number(config.listen.slice(separator + 1)) });
    logger.info({ address, tls: https !== undefined }, 'hub listening');
    const stopReloading = reloadTokensOnSighup(config, tokens, logger);
    const signal = await waitForSignal();
    stopReloading();
    logger.info({ signal }, 'hub stopping');
    clearInterval(sweeper);
    await app.close();
    logger.info('hub stopped');
    return 0;
  } finally {
    // Also on a failed start (port taken, bad TLS key), so the open connection does not keep the process alive.
    await redis.quit().catch(() => redis.disconnect());
  }
}

function composeDeps(
  config: HubConfig, redis: RedisClient, logger: Logger, tokens: TokenRegistry | undefined, https: HubDeps['https'], durability: CommitDurability,
): HubDeps {
  const metrics = createHubMetrics();
  const now = (): number => Date.now();
  const store = new RedisArtifactStore(redis, {
    historyLimit: config.history_limit, streamMaxlen: config.stream_maxlen, conflictPolicy: config.conflict_policy, now,
    observeLatency: (operation, seconds) => metrics.redisLatency.observe({ operation }, seconds),
    onBlobCollectError: (err) => logger.warn({ err }, 'deleting unreferenced blobs failed; the next sweep retries'),
    onBlobsRestored: (label, shas) => logger.warn(
      { label, blobs: shas.slice(0, 20), count: shas.length },
      'blobs written before a commit were missing after it (Redis restarted or failed over in between); written again',
    ),
  });
  const nodes = new RedisNodeRegistry(redis, now);
  return { config, logger, store, nodes, validate: validateArtifact, tokens, metrics, now, durability, ...(https === undefined ? {} : { https }) };
}

function waitForSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
}
