// Node heartbeats and gateway consumer groups in Redis: what `artisync status` shows and what `replay` rewinds.
import { readFileSync } from 'node:fs';
import { ConflictError, NotFoundError, ArtisyncError } from '../../core/errors.js';
import type { NodeHeartbeat, NodeStatus } from '../../core/hub-api.js';
import { consumerGroupName, redisKeys } from '../../core/redis-keys.js';
import { readLastRevisions } from '../../redis/label-reads.js';
import type { RedisClient } from '../../redis/redis-connection.js';
import { mapRedisError } from '../../redis/redis-errors.js';

const REVISION = /^(\d+)-(\d+)$/;
/** The heartbeat interval assumed for agents that do not report theirs (the agent's default). */
const DEFAULT_HEARTBEAT_MS = 5_000;

/** The stream id just before `revision`, so a group set there delivers `revision` itself next. */
export function revisionBefore(revision: string): string {
  const match = REVISION.exec(revision);
  if (match === null) throw new ArtisyncError('ARTISYNC_BAD_REQUEST', `revision ${JSON.stringify(revision)} is not <ms>-<seq>`, { subject: revision });
  const ms = BigInt(match[1] as string);
  const seq = BigInt(match[2] as string);
  if (seq > 0n) return `${ms}-${seq - 1n}`;
  return ms > 0n ? `${ms - 1n}-18446744073709551615` : '0-0';
}

interface RegistryScripts {
  artisyncRewindGroup(...keysAndArgs: string[]): Promise<[string, string?]>;
}

/** `revision` without leading zeros, as the script compares ids as decimal strings. */
function normalRevision(revision: string): string {
  const [ms, seq] = revision.split('-');
  return `${BigInt(ms ?? 0)}-${BigInt(seq ?? 0)}`;
}

/** Stores heartbeats and moves consumer groups. */
export class RedisNodeRegistry {
  private readonly scripts: RegistryScripts;

  constructor(private readonly redis: RedisClient, private readonly now: () => number) {
    redis.defineCommand('artisyncRewindGroup', { numberOfKeys: 1, lua: readFileSync(new URL('./lua/rewind-group.lua', import.meta.url), 'utf8') });
    this.scripts = redis as unknown as RegistryScripts;
  }

  /** Records a node's heartbeat with the hub's clock as lastSeen. */
  async recordHeartbeat(heartbeat: NodeHeartbeat): Promise<NodeStatus> {
    const status: NodeStatus = { ...heartbeat, lastSeen: this.now() };
    await this.call('heartbeat', heartbeat.node, () => this.redis.hset(redisKeys.nodes(), heartbeat.node, JSON.stringify(status)));
    return status;
  }

  /**
   * Every node that has sent a heartbeat, sorted by id. Each gateway label gets the label's head revision in Redis now
   * (`hubRevision`, one O(1) read per label); the lag is what the gateway reported, never XINFO GROUPS, whose cost
   * grows with the number of gateways.
   */
  async listNodes(): Promise<NodeStatus[]> {
    const raw = await this.call('nodes', undefined, () => this.redis.hgetall(redisKeys.nodes()));
    const nodes = Object.values(raw).map((json) => JSON.parse(json) as NodeStatus).sort((a, b) => (a.node < b.node ? -1 : 1));
    const labels = [...new Set(nodes.flatMap((node) => Object.keys(node.gatewayLabels)))];
    const heads = await this.call('nodes', undefined, () => readLastRevisions(this.redis, labels));
    for (const node of nodes) {
      for (const [label, state] of Object.entries(node.gatewayLabels)) state.hubRevision = heads.get(label) ?? '0-0';
    }
    return nodes;
  }

  /**
   * Sets a node's consumer group on a label so it delivers `revision` next, in one script, creating the group when the
   * node is known; refuses an unknown label or node and, for `from`, a revision past the stream's last entry (for
   * `since`, the group is set to that entry instead). Returns the last-delivered id set; nothing is written on refusal.
   */
  async rewindGroup(label: string, node: string, revision: string, mode: 'from' | 'since'): Promise<string> {
    const known = await this.call('replay', node, () => this.redis.hexists(redisKeys.nodes(), node));
    const args = [consumerGroupName(node), String(known), revisionBefore(revision), mode, normalRevision(revision)];
    const reply = await this.call('replay', node, () => this.scripts.artisyncRewindGroup(redisKeys.stream(label), ...args));
    const [outcome, detail] = reply;
    if (outcome === 'OK') return detail as string;
    if (outcome === 'LABEL_UNKNOWN') throw new NotFoundError('ARTISYNC_LABEL_UNKNOWN', `label ${label} has no stream: nothing was ever committed to it`, { subject: label });
    if (outcome === 'NODE_UNKNOWN') {
      throw new NotFoundError('ARTISYNC_NODE_UNKNOWN', `node ${node} is unknown: no heartbeat and no consumer group ${consumerGroupName(node)} on label ${label}`, { subject: node });
    }
    throw new ArtisyncError('ARTISYNC_REVISION_AHEAD', `revision ${revision} is past the last revision ${String(detail)} of label ${label}`, { subject: label });
  }

  /**
   * Removes a retired node: its consumer group on every label, then its heartbeat, so `status` no longer lists it.
   * Refuses a node seen within three heartbeat intervals (it would come back) and a node nothing is known of. Not one
   * script: the groups live on each label's stream, which need not share a slot; every step is idempotent, so a forget
   * that failed half way is finished by running it again. Returns the labels whose group was removed.
   */
  async forgetNode(node: string): Promise<string[]> {
    const raw = await this.call('node forget', node, () => this.redis.hget(redisKeys.nodes(), node));
    const status = raw === null ? undefined : (JSON.parse(raw) as NodeStatus);
    if (status !== undefined) {
      const quietMs = this.now() - status.lastSeen;
      const activeMs = 3 * (status.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_MS);
      if (quietMs < activeMs) {
        throw new ConflictError('ARTISYNC_NODE_ACTIVE', `node ${node} sent a heartbeat ${Math.round(quietMs / 1000)} s ago: stop its agent, wait ${Math.ceil(activeMs / 1000)} s, then forget it`, { subject: node });
      }
    }
    const labels = await this.call('node forget', node, () => this.redis.smembers(redisKeys.labels()));
    const removed: string[] = [];
    for (const label of labels.sort()) {
      const destroyed = await this.call('node forget', node, async () => {
        try {
          return Number(await this.redis.xgroup('DESTROY', redisKeys.stream(label), consumerGroupName(node)));
        } catch (err) {
          if (err instanceof Error && /no such key|requires the key to exist/i.test(err.message)) return 0;
          throw err;
        }
      });
      if (destroyed > 0) removed.push(label);
    }
    if (status === undefined && removed.length === 0) {
      throw new NotFoundError('ARTISYNC_NODE_UNKNOWN', `node ${node} is unknown: no heartbeat and no consumer group ${consumerGroupName(node)} on any label`, { subject: node });
    }
    await this.call('node forget', node, () => this.redis.hdel(redisKeys.nodes(), node));
    return removed;
  }

  private async call<T>(operation: string, subject: string | undefined, body: () => Promise<T>): Promise<T> {
    try {
      return await body();
    } catch (err) {
      throw mapRedisError(err, operation, subject);
    }
  }
}
