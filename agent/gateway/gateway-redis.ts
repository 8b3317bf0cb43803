// Every Redis call a gateway makes: consistent snapshots, consumer groups, blocking reads, acks and blobs.
import { Cluster } from 'ioredis';
import { redisKeys } from '../../core/redis-keys.js';
import { createConsumerGroup, readLabelDigest, readLabelSnapshot, readLastRevisions, type LabelSnapshot } from '../../redis/label-reads.js';
import { createRedisConnection, urlHasReplicas, type RedisClient } from '../../redis/redis-connection.js';
import { isReplyOf, mapRedisError } from '../../redis/redis-errors.js';

/** A label's heads, digest and last revision, read in one MULTI so they agree with each other. */
export type RedisSnapshot = LabelSnapshot;

/** One stream entry as read; fields null when the entry was trimmed away while pending. */
export interface StreamEntry {
  label: string;
  id: string;
  fields: string[] | null;
}

/** Where a gateway stands on a label: the stream's last id and the group's entries delivered but not acknowledged. */
export interface LabelPosition {
  headRevision: string;
  pending: number;
}

/** Callbacks for connection events. */
export interface GatewayRedisEvents {
  /** The command connection is ready: `reconnected` is false the first time, true after a loss. */
  onReady: (reconnected: boolean) => void;
  /** The blocking-read connection is ready again after a loss: a reply in flight may have been lost with it. */
  onReadsResumed?: () => void;
  onError: (err: Error) => void;
}

type RawEntries = Array<[string, Array<[string, string[] | null]>]> | null;

/**
 * The gateway's Redis connections: one for commands, and one per read lane for blocking reads. On plain Redis and
 * Sentinel one lane reads every label; on Cluster each label is its own slot (XREADGROUP cannot cross slots), so each
 * label gets a lane of its own.
 */
export class GatewayRedis {
  private readonly command: RedisClient;
  /** On Sentinel and Cluster, a connection whose reads go to replicas: blobs are immutable, so any copy is right. */
  private readonly replicaReads: RedisClient | undefined;
  private readonly blocking = new Map<string, RedisClient>();
  private readonly labelOfKey = new Map<string, string>();
  private connectedOnce = false;

  constructor(private readonly url: string, private readonly events: GatewayRedisEvents) {
    this.command = createRedisConnection(url, { maxRetriesPerRequest: 3, connectionName: 'artisync-gateway', jitterReconnects: true, autoPipelining: true });
    this.command.on('ready', () => {
      events.onReady(this.connectedOnce);
      this.connectedOnce = true;
    });
    this.command.on('error', events.onError);
    this.replicaReads = urlHasReplicas(url)
      ? createRedisConnection(url, { maxRetriesPerRequest: 1, connectionName: 'artisync-gateway-blobs', jitterReconnects: true, readFromReplicas: true })
      : undefined;
    // A replica fault only costs a fallback read on the master, so it is not reported as a connection error.
    this.replicaReads?.on('error', () => undefined);
  }

  /** Labels grouped so that each group can be read by one blocking XREADGROUP. */
  readLanes(labels: readonly string[]): string[][] {
    return this.command instanceof Cluster ? labels.map((label) => [label]) : [[...labels]];
  }

  /** Heads, last revision and digest of a label in one transaction. */
  async snapshot(label: string): Promise<RedisSnapshot> {
    return this.call('snapshot', label, () => readLabelSnapshot(this.command, label));
  }

  /** The hub's digest of a label (null when none is stored) with the stream revision it belongs to, read together. */
  async digestAt(label: string): Promise<{ digest: string | null; revision: string }> {
    const { digest, revision } = await this.call('digest', label, () => readLabelDigest(this.command, label));
    return { digest, revision };
  }

  /** The last version the hub gave out for each of `paths` in a label (0 when none: never written, or lost). */
  async lastVersions(label: string, paths: readonly string[]): Promise<Map<string, number>> {
    if (paths.length === 0) return new Map();
    // One HGET each in a pipeline: the README's gateway ACL allows HGET, not HMGET.
    const pipeline = this.command.pipeline();
    for (const path of paths) pipeline.hget(redisKeys.versions(label), path);
    const replies = (await this.call('versions', label, () => pipeline.exec())) ?? [];
    return new Map(paths.map((path, index) => {
      const [err, version] = replies[index] ?? [null, null];
      if (err !== null) throw mapRedisError(err, 'versions', label);
      return [path, Number(version ?? 0)];
    }));
  }

  /** Creates the node's group at `startId` (and the stream if needed); false when the group already exists. */
  async ensureGroup(label: string, group: string, startId: string): Promise<boolean> {
    return this.call('group create', label, () => createConsumerGroup(this.command, label, group, startId));
  }

  /** XREADGROUP over several labels at once; `id` is "0" for this consumer's pending entries or ">" for new ones. */
  async readGroup(group: string, consumer: string, streams: Array<{ label: string; id: string }>, count: number, blockMs?: number): Promise<StreamEntry[]> {
    const keys = streams.map((stream) => this.keyOf(stream.label));
    const args: Array<string | number> = ['GROUP', group, consumer, 'COUNT', count];
    if (blockMs !== undefined) args.push('BLOCK', blockMs);
    args.push('STREAMS', ...keys, ...streams.map((stream) => stream.id));
    const connection = blockMs === undefined ? this.command : this.blockingFor(streams.map((stream) => stream.label).join('\n'));
    const reply = (await this.call('stream read', streams.map((stream) => stream.label).join(', '), () => connection.call('XREADGROUP', ...args))) as RawEntries;
    const entries: StreamEntry[] = [];
    for (const [key, items] of reply ?? []) {
      const label = this.labelOfKey.get(key) as string;
      for (const [id, fields] of items) entries.push({ label, id, fields });
    }
    return entries;
  }

  /** Acknowledges entries of one label. */
  async ack(label: string, group: string, ids: readonly string[]): Promise<void> {
    if (ids.length > 0) await this.call('ack', label, () => this.command.xack(redisKeys.stream(label), group, ...ids));
  }

  /**
   * Stored (still encoded, see core/blob-codec.ts) contents by sha256, decoded by the caller only when it writes them;
   * a missing blob is absent from the map. On Sentinel and Cluster they are read from replicas first, and what a replica
   * lacks (replication lag), fails to give or cannot be reached for is read again from the master.
   */
  async blobs(shas: Iterable<string>): Promise<Map<string, Buffer>> {
    const wanted = [...new Set(shas)];
    const found = new Map<string, Buffer>();
    const fromReplicas = this.replicaReads === undefined ? wanted.map(() => null) : await this.readBlobs(this.replicaReads, wanted).catch(() => wanted.map(() => null));
    const missed = wanted.filter((sha, index) => {
      const value = fromReplicas[index];
      if (value === null || value === undefined) return true;
      found.set(sha, value);
      return false;
    });
    const fromMaster = await this.call('blob read', undefined, () => this.readBlobs(this.command, missed));
    fromMaster.forEach((value, index) => {
      if (value !== null) found.set(missed[index] as string, value);
    });
    return found;
  }

  /** True when the node's own group exists on a label: XPENDING on that group is O(1), unlike XINFO GROUPS. */
  async hasGroup(label: string, group: string): Promise<boolean> {
    try {
      await this.command.xpending(redisKeys.stream(label), group);
      return true;
    } catch (err) {
      if (isReplyOf(err, 'NOGROUP')) return false;
      throw mapRedisError(err, 'group check', label);
    }
  }

  /** Each label's last stream id and this group's pending count, with O(1) commands per label, all in one round trip. */
  async labelPositions(labels: readonly string[], group: string): Promise<Map<string, LabelPosition>> {
    const [heads, pending] = await Promise.all([this.call('stream heads', undefined, () => readLastRevisions(this.command, labels)), this.pendingCounts(labels, group)]);
    return new Map(labels.map((label, index) => [label, { headRevision: heads.get(label) ?? '0-0', pending: pending[index] ?? 0 }]));
  }

  private pendingCounts(labels: readonly string[], group: string): Promise<number[]> {
    return Promise.all(labels.map(async (label) => {
      try {
        return Number(((await this.command.xpending(redisKeys.stream(label), group)))[0] ?? 0);
      } catch (err) {
        // A missing group (NOGROUP) has nothing pending; the startup sync creates it.
        if (isReplyOf(err, 'NOGROUP')) return 0;
        throw mapRedisError(err, 'pending count', label);
      }
    }));
  }

  // Every Redis failure leaves this class as a typed ArtisyncError naming the operation and label (redis/redis-errors.ts).
  private async call<T>(operation: string, subject: string | undefined, body: () => Promise<T>): Promise<T> {
    try {
      return await body();
    } catch (err) {
      throw mapRedisError(err, operation, subject);
    }
  }

  /** Ends a blocking read in progress (it rejects) so a stopping consumer need not wait for BLOCK to expire. */
  interruptReads(): void {
    for (const connection of this.blocking.values()) connection.disconnect();
    this.blocking.clear();
  }

  /** Closes every connection; a blocking read in progress rejects. */
  close(): void {
    this.interruptReads();
    this.replicaReads?.disconnect();
    this.command.disconnect();
  }

  /** Each blob key in its own slot, so one GET each (auto-pipelined per node). */
  private async readBlobs(connection: RedisClient, shas: readonly string[]): Promise<Array<Buffer | null>> {
    return Promise.all(shas.map((sha) => connection.getBuffer(redisKeys.blob(sha))));
  }

  /** The lane's blocking connection, opened on first use; it waits through a Redis restart instead of failing. */
  private blockingFor(lane: string): RedisClient {
    let connection = this.blocking.get(lane);
    if (connection !== undefined) return connection;
    const opened = createRedisConnection(this.url, { maxRetriesPerRequest: null, connectionName: 'artisync-gateway-read', jitterReconnects: true });
    let readsConnectedOnce = false;
    opened.on('ready', () => {
      if (readsConnectedOnce) this.events.onReadsResumed?.();
      readsConnectedOnce = true;
    });
    opened.on('error', this.events.onError);
    connection = opened;
    this.blocking.set(lane, connection);
    return connection;
  }

  private keyOf(label: string): string {
    const key = redisKeys.stream(label);
    this.labelOfKey.set(key, label);
    return key;
  }
}
