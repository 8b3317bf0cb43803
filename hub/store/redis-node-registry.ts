// Node heartbeats and gateway consumer groups in Redis: what `artisync status` shows and what `replay` rewinds.
import { NotFoundError, ArtisyncError } from '../../core/errors.js';
import type { NodeHeartbeat, NodeStatus } from '../../core/hub-api.js';
import { consumerGroupName, redisKeys } from '../../core/redis-keys.js';
import type { RedisClient } from './redis-artifact-store.js';
import { mapRedisError } from './redis-reply-error.js';

const REVISION = /^(\d+)-(\d+)$/;

/** The stream id just before `revision`, so a group set there delivers `revision` itself next. */
export function revisionBefore(revision: string): string {
  const match = REVISION.exec(revision);
  if (match === null) throw new ArtisyncError('ARTISYNC_BAD_REQUEST', `revision ${JSON.stringify(revision)} is not <ms>-<seq>`, { subject: revision });
  const ms = BigInt(match[1] as string);
  const seq = BigInt(match[2] as string);
  if (seq > 0n) return `${ms}-${seq - 1n}`;
  return ms > 0n ? `${ms - 1n}-18446744073709551615` : '0-0';
}

/** Stores heartbeats and moves consumer groups. */
export class RedisNodeRegistry {
  constructor(private readonly redis: RedisClient, private readonly now: () => number) {}

  /** Records a node's heartbeat with the hub's clock as lastSeen. */
  async recordHeartbeat(heartbeat: NodeHeartbeat): Promise<NodeStatus> {
    const status: NodeStatus = { ...heartbeat, lastSeen: this.now() };
    await this.call('heartbeat', heartbeat.node, () => this.redis.hset(redisKeys.nodes(), heartbeat.node, JSON.stringify(status)));
    return status;
  }

  /**
   * Every node that has sent a heartbeat, sorted by id. Each gateway label gets the label's head revision in Redis now
   * (`hubRevision`) and, when Redis knows it, a lag from XINFO GROUPS: entries not yet delivered plus pending ones.
   */
  async listNodes(): Promise<NodeStatus[]> {
    const raw = await this.call('nodes', undefined, () => this.redis.hgetall(redisKeys.nodes()));
    const nodes = Object.values(raw).map((json) => JSON.parse(json) as NodeStatus).sort((a, b) => (a.node < b.node ? -1 : 1));
    const labels = [...new Set(nodes.flatMap((node) => Object.keys(node.gatewayLabels)))];
    const heads = await this.call('nodes', undefined, () => this.headRevisions(labels));
    const lags = await this.groupLags(labels);
    for (const node of nodes) {
      for (const [label, state] of Object.entries(node.gatewayLabels)) {
        state.hubRevision = heads.get(label) ?? '0-0';
        const lag = lags.get(`${label}\n${consumerGroupName(node.node)}`);
        if (lag !== undefined) state.lag = lag;
      }
    }
    return nodes;
  }

  /** Points a node's consumer group on a label at `lastDelivered`, creating group (and stream) when missing. */
  async rewindGroup(label: string, node: string, lastDelivered: string): Promise<void> {
    const stream = redisKeys.stream(label);
    const group = consumerGroupName(node);
    await this.call('replay', node, async () => {
      try {
        await this.redis.xgroup('CREATE', stream, group, lastDelivered, 'MKSTREAM');
      } catch (err) {
        if (!(err instanceof Error) || !err.message.startsWith('BUSYGROUP')) throw err;
        await this.redis.xgroup('SETID', stream, group, lastDelivered);
      }
    });
  }

  /** Fails with NotFoundError unless the label has a stream. */
  async requireStream(label: string): Promise<void> {
    const exists = await this.call('replay', label, () => this.redis.exists(redisKeys.stream(label)));
    if (exists === 0) throw new NotFoundError('ARTISYNC_NOT_FOUND', `label ${label} has no stream`, { subject: label });
  }

  /** Each label's last stream entry id ("0-0" for an empty or missing stream), in one round trip. */
  private async headRevisions(labels: readonly string[]): Promise<Map<string, string>> {
    const pipeline = this.redis.pipeline();
    for (const label of labels) pipeline.xrevrange(redisKeys.stream(label), '+', '-', 'COUNT', 1);
    const replies = (await pipeline.exec()) ?? [];
    const heads = new Map<string, string>();
    labels.forEach((label, index) => {
      const [err, last] = replies[index] ?? [null, []];
      if (err !== null) throw err;
      heads.set(label, (last as Array<[string, string[]]>)[0]?.[0] ?? '0-0');
    });
    return heads;
  }

  private async groupLags(labels: readonly string[]): Promise<Map<string, number>> {
    const lags = new Map<string, number>();
    for (const label of labels) {
      let groups: unknown[];
      try {
        groups = (await this.redis.xinfo('GROUPS', redisKeys.stream(label))) as unknown[];
      } catch {
        continue; // no stream yet, or a Redis without XINFO lag: keep what the node reported
      }
      for (const group of groups) {
        const fields = fieldsOf(group);
        const lag = fields.get('lag');
        // Delivered-but-unacknowledged entries are as far from being on disk as undelivered ones.
        if (typeof lag === 'number') lags.set(`${label}\n${String(fields.get('name'))}`, lag + Number(fields.get('pending') ?? 0));
      }
    }
    return lags;
  }

  private async call<T>(operation: string, subject: string | undefined, body: () => Promise<T>): Promise<T> {
    try {
      return await body();
    } catch (err) {
      throw mapRedisError(err, operation, subject);
    }
  }
}

function fieldsOf(flat: unknown): Map<string, unknown> {
  const map = new Map<string, unknown>();
  if (!Array.isArray(flat)) return map;
  for (let i = 0; i + 1 < flat.length; i += 2) map.set(String(flat[i]), flat[i + 1]);
  return map;
}
