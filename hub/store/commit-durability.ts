// Makes a commit's reply wait until Redis holds it on disk (WAITAOF, Redis 7.2+) or on replicas (WAIT), as hub.toml asks.
import { UnavailableError } from '../../core/errors.js';
import type { RedisClient } from './redis-artifact-store.js';
import { mapRedisError } from '../../redis/redis-errors.js';

/** What the hub read from the server at start; undefined where INFO or CONFIG was refused. */
export interface RedisDurabilityFacts {
  version: string | undefined;
  appendonly: string | undefined;
  appendfsync: string | undefined;
}

/** The hub.toml keys about durable commits. */
export interface DurabilitySettings {
  replicas: number;
  timeoutMs: number;
}

/** How each commit is confirmed before its reply. */
export interface DurabilityPlan {
  command: 'waitaof' | 'wait' | 'none';
  /** WAITAOF's numlocal: 1 when this server's own AOF must be fsynced. */
  local: number;
  replicas: number;
  timeoutMs: number;
  /** True when an acknowledged commit survives a Redis crash: fsynced before the reply, or held by `replicas` replicas. */
  durable: boolean;
  /** Why acknowledged commits can be lost, when they can. */
  risk?: string;
}

/** Reads the server's version and AOF settings; a refused INFO or CONFIG leaves the fact unknown. */
export async function readDurabilityFacts(redis: RedisClient): Promise<RedisDurabilityFacts> {
  const info = await redis.info('server').catch(() => '');
  const version = /^redis_version:(\S+)/m.exec(info)?.[1];
  const setting = async (name: string): Promise<string | undefined> => {
    const reply = (await redis.config('GET', name).catch(() => [])) as string[];
    return reply[1];
  };
  return { version, appendonly: await setting('appendonly'), appendfsync: await setting('appendfsync') };
}

/** True for Redis 7.2 and later, the first with WAITAOF. */
export function hasWaitAof(version: string | undefined): boolean {
  const [major, minor] = (version ?? '').split('.').map(Number);
  if (major === undefined || minor === undefined || Number.isNaN(major) || Number.isNaN(minor)) return false;
  return major > 7 || (major === 7 && minor >= 2);
}

/** Chooses how commits are confirmed: WAITAOF where the server has it, else WAIT for replicas, else appendfsync alone. */
export function planDurability(facts: RedisDurabilityFacts, settings: DurabilitySettings): DurabilityPlan {
  const aof = facts.appendonly === 'yes';
  const fsyncsBeforeReply = aof && facts.appendfsync === 'always';
  const base = { replicas: settings.replicas, timeoutMs: settings.timeoutMs };
  if (hasWaitAof(facts.version) && (aof || settings.replicas > 0)) return { ...base, command: 'waitaof', local: aof ? 1 : 0, durable: true };
  if (settings.replicas > 0) return { ...base, command: 'wait', local: 0, durable: true };
  if (fsyncsBeforeReply) return { ...base, command: 'none', local: 0, durable: true };
  return { ...base, command: 'none', local: 0, durable: false, risk: riskOf(facts) };
}

function riskOf(facts: RedisDurabilityFacts): string {
  if (facts.appendonly === undefined || facts.appendfsync === undefined) return 'appendonly/appendfsync cannot be read (CONFIG not allowed), so durability is unknown';
  if (facts.appendonly !== 'yes') return `appendonly is ${facts.appendonly}: a Redis crash loses every write since the last RDB save`;
  return `appendfsync is ${facts.appendfsync} on Redis ${facts.version ?? '(unknown version)'}, which has no WAITAOF: a Redis crash can lose up to a second of acknowledged commits`;
}

/** Waits, after each commit, for what the plan asks; the commit itself stays in Redis either way. */
export class CommitDurability {
  constructor(
    private readonly redis: RedisClient,
    readonly plan: DurabilityPlan,
  ) {}

  /** Resolves once the commits this connection made are durable; UnavailableError ARTISYNC_NOT_DURABLE when not in time. */
  async confirm(label: string): Promise<void> {
    const { command, local, replicas, timeoutMs } = this.plan;
    if (command === 'none') return;
    // WAIT and WAITAOF cover every write this connection sent so far, so they go on the connection the commit used.
    const reply = await this.call(command === 'waitaof' ? ['WAITAOF', local, replicas, timeoutMs] : ['WAIT', replicas, timeoutMs], label);
    const [gotLocal, gotReplicas] = command === 'waitaof' ? (reply as [number, number]) : [local, reply as number];
    if (gotLocal >= local && gotReplicas >= replicas) return;
    const what = gotLocal < local ? 'the append-only file was not fsynced' : `${gotReplicas} of ${replicas} replicas confirmed it`;
    throw new UnavailableError('ARTISYNC_NOT_DURABLE', `commit to label ${label} is in Redis but not durable after ${timeoutMs} ms: ${what}; retry`, { subject: label });
  }

  private async call(args: Array<string | number>, label: string): Promise<unknown> {
    const [command, ...rest] = args;
    try {
      return await this.redis.call(String(command), ...rest.map(String));
    } catch (err) {
      throw mapRedisError(err, String(command), label);
    }
  }
}
