// Every Redis call a gateway makes: consistent snapshots, consumer groups, blocking reads, acks and blobs.
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { decodeBlob } from '../../core/blob-codec.js';
import type { ArtifactHead } from '../../core/hub-api.js';
import { redisKeys } from '../../core/redis-keys.js';
import { parseRedisUrl } from '../../core/redis-url.js';
import { compareStreamIds } from './stream-id.js';

/** A label's heads, digest and last revision, read in one MULTI so they agree with each other. */
export interface RedisSnapshot {
  label: string;
  /** Last stream entry id ("0-0" for an empty or missing stream). */
  revision: string;
  /** Null when the hub has not written a digest yet. */
  digest: string | null;
  heads: ArtifactHead[];
}

/** One stream entry as read; fields null when the entry was trimmed away while pending. */
export interface StreamEntry {
  label: string;
  id: string;
  fields: string[] | null;
}

/** A consumer group's position on a label stream. */
export interface GroupInfo {
  lastDeliveredId: string;
  /** Entries not yet delivered to the group; null when Redis cannot tell (e.g. after a trim). */
  lag: number | null;
  pending: number;
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

type Connection = Redis | Cluster;

/** Opens a connection (plain, Sentinel or Cluster) for a redis_url. */
function connect(url: string, extra: RedisOptions): Connection {
  const spec = parseRedisUrl(url);
  if (spec.kind === 'cluster') return new Cluster(spec.nodes, { redisOptions: { ...extra, ...spec.options.redisOptions } });
  return new Redis({ ...extra, ...spec.options });
}

type RawEntries = Array<[string, Array<[string, string[] | null]>]> | null;

/** The gateway's two Redis connections: one for commands, one for blocking reads. */
export class GatewayRedis {
  private readonly command: Connection;
  private readonly blocking: Connection;
  private readonly labelOfKey = new Map<string, string>();
  private connectedOnce = false;

  constructor(url: string, events: GatewayRedisEvents) {
    this.command = connect(url, { maxRetriesPerRequest: 3, connectionName: 'artisync-gateway' });
    // Blocking reads wait through a Redis restart instead of failing; the command connection fails fast.
    this.blocking = connect(url, { maxRetriesPerRequest: null, connectionName: 'artisync-gateway-read' });
    this.command.on('ready', () => {
      events.onReady(this.connectedOnce);
      this.connectedOnce = true;
    });
    let readsConnectedOnce = false;
    this.blocking.on('ready', () => {
      if (readsConnectedOnce) events.onReadsResumed?.();
      readsConnectedOnce = true;
    });
    this.command.on('error', events.onError);
    this.blocking.on('error', events.onError);
  }

  /** Heads, last revision and digest of a label in one transaction. */
  async snapshot(label: string): Promise<RedisSnapshot> {
    const replies = await this.command
      .multi()
      .hgetall(redisKeys.heads(label))
      .xrevrange(redisKeys.stream(label), '+', '-', 'COUNT', 1)
      .get(redisKeys.digest(label))
      .exec();
    if (replies === null) throw new Error(`snapshot of label ${label} was aborted`);
    for (const [err] of replies) if (err !== null) throw err;
    const heads = replies[0]?.[1] as Record<string, string>;
    const last = replies[1]?.[1] as Array<[string, string[]]>;
    const digest = replies[2]?.[1] as string | null;
    return { label, revision: last[0]?.[0] ?? '0-0', digest, heads: Object.values(heads).map((raw) => JSON.parse(raw) as ArtifactHead) };
  }

  /** The hub's digest of a label (null when none is stored) with the stream revision it belongs to, read together. */
  async digestAt(label: string): Promise<{ digest: string | null; revision: string }> {
    const replies = await this.command.multi().get(redisKeys.digest(label)).xrevrange(redisKeys.stream(label), '+', '-', 'COUNT', 1).exec();
    if (replies === null) throw new Error(`digest read of label ${label} was aborted`);
    for (const [err] of replies) if (err !== null) throw err;
    const last = replies[1]?.[1] as Array<[string, string[]]>;
    return { digest: replies[0]?.[1] as string | null, revision: last[0]?.[0] ?? '0-0' };
  }

  /** The last version the hub gave out for each of `paths` in a label (0 when none: never written, or lost). */
  async lastVersions(label: string, paths: readonly string[]): Promise<Map<string, number>> {
    if (paths.length === 0) return new Map();
    // One HGET each in a pipeline: the README's gateway ACL allows HGET, not HMGET.
    const pipeline = this.command.pipeline();
    for (const path of paths) pipeline.hget(redisKeys.versions(label), path);
    const replies = (await pipeline.exec()) ?? [];
    return new Map(paths.map((path, index) => {
      const [err, version] = replies[index] ?? [null, null];
      if (err !== null) throw err;
      return [path, Number(version ?? 0)];
    }));
  }

  /** Creates the node's group at `startId` (and the stream if needed); false when the group already exists. */
  async ensureGroup(label: string, group: string, startId: string): Promise<boolean> {
    try {
      await this.command.xgroup('CREATE', redisKeys.stream(label), group, startId, 'MKSTREAM');
      return true;
    } catch (err) {
      if (err instanceof Error && err.message.startsWith('BUSYGROUP')) return false;
      throw err;
    }
  }

  /** XREADGROUP over several labels at once; `id` is "0" for this consumer's pending entries or ">" for new ones. */
  async readGroup(group: string, consumer: string, streams: Array<{ label: string; id: string }>, count: number, blockMs?: number): Promise<StreamEntry[]> {
    const keys = streams.map((stream) => this.keyOf(stream.label));
    const args: Array<string | number> = ['GROUP', group, consumer, 'COUNT', count];
    if (blockMs !== undefined) args.push('BLOCK', blockMs);
    args.push('STREAMS', ...keys, ...streams.map((stream) => stream.id));
    const connection = blockMs === undefined ? this.command : this.blocking;
    const reply = (await connection.call('XREADGROUP', ...args)) as RawEntries;
    const entries: StreamEntry[] = [];
    for (const [key, items] of reply ?? []) {
      const label = this.labelOfKey.get(key) as string;
      for (const [id, fields] of items) entries.push({ label, id, fields });
    }
    return entries;
  }

  /** Acknowledges entries of one label. */
  async ack(label: string, group: string, ids: readonly string[]): Promise<void> {
    if (ids.length > 0) await this.command.xack(redisKeys.stream(label), group, ...ids);
  }

  /** Raw contents by sha256, fetched in one pipeline; a missing blob is absent from the map. */
  async blobs(shas: Iterable<string>): Promise<Map<string, Buffer>> {
    const wanted = [...new Set(shas)];
    const found = new Map<string, Buffer>();
    if (wanted.length === 0) return found;
    const pipeline = this.command.pipeline();
    for (const sha of wanted) pipeline.getBuffer(redisKeys.blob(sha));
    const replies = (await pipeline.exec()) ?? [];
    replies.forEach(([err, value], index) => {
      if (err !== null) throw err;
      if (value instanceof Buffer) found.set(wanted[index] as string, decodeBlob(value));
    });
    return found;
  }

  /** The node's group on a label, or undefined when it does not exist. */
  async groupInfo(label: string, group: string): Promise<GroupInfo | undefined> {
    let groups: unknown[][];
    try {
      groups = (await this.command.call('XINFO', 'GROUPS', redisKeys.stream(label))) as unknown[][];
    } catch (err) {
      if (err instanceof Error && err.message.includes('no such key')) return undefined;
      throw err;
    }
    for (const raw of groups) {
      const info = pairsOf(raw);
      if (info.get('name') !== group) continue;
      const lag = info.get('lag');
      return { lastDeliveredId: String(info.get('last-delivered-id')), lag: typeof lag === 'number' ? lag : null, pending: Number(info.get('pending')) };
    }
    return undefined;
  }

  /** Each label's last stream id and this group's pending count, in one round trip of O(1) commands per label. */
  async labelPositions(labels: readonly string[], group: string): Promise<Map<string, LabelPosition>> {
    const pipeline = this.command.pipeline();
    for (const label of labels) {
      pipeline.xrevrange(redisKeys.stream(label), '+', '-', 'COUNT', 1);
      pipeline.call('XPENDING', redisKeys.stream(label), group);
    }
    const replies = (await pipeline.exec()) ?? [];
    const positions = new Map<string, LabelPosition>();
    labels.forEach((label, index) => {
      const [headErr, last] = replies[2 * index] ?? [null, []];
      if (headErr !== null) throw headErr;
      const [pendingErr, summary] = replies[2 * index + 1] ?? [null, [0]];
      // A missing group (NOGROUP) has nothing pending; the startup sync creates it.
      if (pendingErr !== null && !pendingErr.message.startsWith('NOGROUP')) throw pendingErr;
      const headRevision = (last as Array<[string, string[]]>)[0]?.[0] ?? '0-0';
      positions.set(label, { headRevision, pending: pendingErr === null ? Number((summary as unknown[])[0] ?? 0) : 0 });
    });
    return positions;
  }

  /**
   * True when the stream no longer holds what follows `position`: its oldest entry is newer than `position` and it has
   * lost entries to trimming (Redis 7 counts them; on 6.2 any oldest entry past a non-zero position counts).
   * Entries may then have been trimmed unread; a digest check tells for sure.
   */
  async mayHaveTrimmedPast(label: string, position: string): Promise<boolean> {
    const info = await this.streamInfo(label);
    if (info === undefined) return false;
    const recorded = info.get('recorded-first-entry-id');
    const firstEntry = info.get('first-entry') as [string, unknown] | null | undefined;
    const first = typeof recorded === 'string' ? recorded : firstEntry?.[0];
    if (first === undefined || first === '0-0' || compareStreamIds(first, position) <= 0) return false;
    const added = info.get('entries-added');
    if (typeof added === 'number') return added > Number(info.get('length'));
    return position !== '0-0';
  }

  private async streamInfo(label: string): Promise<Map<string, unknown> | undefined> {
    try {
      return pairsOf((await this.command.call('XINFO', 'STREAM', redisKeys.stream(label))) as unknown[]);
    } catch (err) {
      if (err instanceof Error && err.message.includes('no such key')) return undefined;
      throw err;
    }
  }

  /** Ends a blocking read in progress (it rejects) so a stopping consumer need not wait for BLOCK to expire. */
  interruptReads(): void {
    this.blocking.disconnect();
  }

  /** Closes both connections; a blocking read in progress rejects. */
  close(): void {
    this.blocking.disconnect();
    this.command.disconnect();
  }

  private keyOf(label: string): string {
    const key = redisKeys.stream(label);
    this.labelOfKey.set(key, label);
    return key;
  }
}

function pairsOf(raw: unknown[]): Map<string, unknown> {
  const map = new Map<string, unknown>();
  for (let i = 0; i + 1 < raw.length; i += 2) map.set(String(raw[i]), raw[i + 1]);
  return map;
}
