// Start checks of Redis persistence: warns when Redis keeps nothing on disk, and decides how commits are made durable.
import type { Logger } from 'pino';
import type { HubConfig } from '../core/config-schema.js';
import { ConfigError } from '../core/errors.js';
import { CommitDurability, planDurability, readDurabilityFacts } from './store/commit-durability.js';
import type { RedisClient } from './store/redis-artifact-store.js';

/** Logs a warning when `appendonly` is "no" and `save` is empty; says so at debug level when CONFIG is not allowed. */
export async function warnIfRedisNotPersistent(redis: RedisClient, logger: Logger): Promise<boolean> {
  try {
    const appendonly = (await redis.config('GET', 'appendonly')) as string[];
    const save = (await redis.config('GET', 'save')) as string[];
    const persistent = appendonly[1] !== 'no' || (save[1] ?? '').trim() !== '';
    if (!persistent) {
      logger.warn({ appendonly: appendonly[1], save: save[1] }, 'Redis persistence is off: a Redis restart loses every artifact version; set appendonly yes');
    }
    return persistent;
  } catch (err) {
    logger.debug({ err }, 'cannot read Redis persistence settings (CONFIG not allowed?)');
    return true;
  }
}

/** Decides how commits are made durable; warns when they cannot be, and refuses when require_durable_commits says so. */
export async function checkCommitDurability(
  redis: RedisClient,
  config: Pick<HubConfig, 'durable_replicas' | 'durable_timeout' | 'require_durable_commits'>,
  logger: Logger,
): Promise<CommitDurability> {
  const facts = await readDurabilityFacts(redis);
  const plan = planDurability(facts, { replicas: config.durable_replicas, timeoutMs: config.durable_timeout });
  if (plan.durable) {
    logger.info({ redisVersion: facts.version, appendonly: facts.appendonly, appendfsync: facts.appendfsync, wait: plan.command, replicas: plan.replicas }, 'commits are durable before their reply');
    return new CommitDurability(redis, plan);
  }
  const advice = 'set appendfsync always (or durable_replicas > 0 with replicas; WAITAOF needs Redis 7.2+)';
  if (config.require_durable_commits) {
    throw new ConfigError('ARTISYNC_NOT_DURABLE', `config key require_durable_commits: commits cannot be made durable: ${plan.risk ?? 'unknown'}; ${advice}`, { subject: 'require_durable_commits' });
  }
  logger.warn({ redisVersion: facts.version, appendonly: facts.appendonly, appendfsync: facts.appendfsync, reason: plan.risk }, `acknowledged commits can be lost if Redis crashes; ${advice}`);
  return new CommitDurability(redis, plan);
}
