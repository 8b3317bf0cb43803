// Warns at start when Redis keeps nothing on disk (no AOF, no RDB saves), tolerating ACLs that forbid CONFIG.
import type { Logger } from 'pino';
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
