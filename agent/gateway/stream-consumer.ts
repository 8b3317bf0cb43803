// Reads the node's consumer group on every label stream and lands each batch of changesets, acking only what is on disk.
import { decodeChangeEvent } from '../../core/change-event.js';
import { ArtisyncError } from '../../core/errors.js';
import { consumerGroupName } from '../../core/redis-keys.js';
import { hashFile } from './disk-scan.js';
import { repairLabel, type DriftCheckParts } from './drift-checker.js';
import { applyToView, type LabelHead } from './label-precedence.js';
import { reconcilePaths, type ReconcileResult } from './path-reconciler.js';
import type { LabelPosition, StreamEntry } from './gateway-redis.js';
import { compareStreamIds } from './stream-id.js';

/** What the stream consumer reads and updates. */
export type StreamConsumerParts = DriftCheckParts;

/** Entries read per XREADGROUP call; they land as one batch. */
const READ_COUNT = 100;
/**
 * How long one blocking read waits unless a test sets `readBlockMs`. Stopping and a full sync interrupt it, so it only
 * bounds how soon a re-read of pending entries asked for during the read happens; each expiry costs Redis an unblock
 * on every label of the lane.
 */
export const READ_BLOCK_MS = 5_000;
/** How late past its BLOCK time a read may return before its waiting no longer counts as "nothing new" (knownPositions). */
const READ_LATE_MS = 1_000;

/** Thrown when an entry the node still needs is gone from the stream: only a full startup sync recovers it. */
export class StreamTrimmedError extends ArtisyncError {}

/** What the consumer tells its owner after each landed batch. */
export type BatchListener = (result: ReconcileResult, entries: number) => void;

/** The consume loop of one gateway: one blocking read per lane (all labels, or one label per Cluster slot). */
export class StreamConsumer {
  private stopping = false;
  /**
   * Lanes (by index) whose pending entries are to be re-read before their next new ones. A delivery whose reply was
   * lost (a reset connection, Redis killed after writing it to its AOF) is only ever offered again by a read with id 0;
   * the owner asks for one after every reconnect and whenever its lag refresh finds entries pending.
   */
  private readonly pendingDue = new Set<number>();
  private pendingReadFailing = false;
  private lanes: string[][] = [];
  /** Per lane: waiting for new entries (since when, its last batch landed and acked), or landing a batch of them. */
  private readonly laneStates = new Map<number, { waitingSince: number } | { landing: readonly StreamEntry[] }>();

  constructor(
    private readonly ctx: StreamConsumerParts,
    private readonly onBatch: BatchListener,
  ) {}

  /** Reads new entries until stop(), re-reading this node's pending ones first, periodically and after reconnects; throws on any failure. */
  async run(): Promise<void> {
    this.lanes = this.ctx.redis.readLanes(this.ctx.settings.labels);
    this.lanes.forEach((_, lane) => this.pendingDue.add(lane));
    await Promise.all(this.lanes.map((labels, lane) => this.runLane(lane, labels).catch((err: unknown) => {
      // One lane failing ends them all: the owner starts over with a full sync.
      this.stopping = true;
      throw err;
    })));
  }

  private async runLane(lane: number, labels: readonly string[]): Promise<void> {
    const group = consumerGroupName(this.ctx.settings.nodeId);
    const node = this.ctx.settings.nodeId;
    while (!this.stopping) {
      if (this.pendingDue.has(lane)) await this.landPending(lane, group, node, labels);
      if (this.stopping) return;
      let entries: StreamEntry[];
      this.laneStates.set(lane, { waitingSince: this.ctx.clock() });
      try {
        entries = await this.ctx.redis.readGroup(group, node, labels.map((label) => ({ label, id: '>' })), READ_COUNT, this.ctx.settings.readBlockMs);
      } catch (err) {
        if (this.stopping) return;
        throw err;
      } finally {
        this.laneStates.delete(lane);
      }
      if (entries.length === 0) continue;
      this.laneStates.set(lane, { landing: entries });
      try {
        await this.ctx.queue.run(() => this.landBatch(entries, true));
      } finally {
        this.laneStates.delete(lane);
      }
    }
  }

  /** Makes the loop return after the batch in hand. */
  stop(): void {
    this.stopping = true;
  }

  /**
   * Positions this consumer knows without asking Redis, for the labels of lanes that either wait in a read for new
   * entries (begun no longer ago than its BLOCK time allows, everything delivered before on disk and acked: at their
   * applied revision, nothing pending) or land a batch of new ones (behind by what is in hand). A read that outlives
   * its BLOCK time (a half-open connection, a reply that never comes) and a due re-read of pending entries leave their
   * lane out, so a stuck lane is looked up in Redis again.
   */
  knownPositions(): Map<string, LabelPosition> {
    const known = new Map<string, LabelPosition>();
    if (this.stopping) return known;
    const oldest = this.ctx.clock() - this.ctx.settings.readBlockMs - READ_LATE_MS;
    this.lanes.forEach((labels, lane) => {
      const state = this.laneStates.get(lane);
      if (state === undefined || this.pendingDue.has(lane)) return;
      if ('waitingSince' in state && state.waitingSince < oldest) return;
      const inHand = 'landing' in state ? state.landing : [];
      for (const label of labels) {
        let headRevision = this.ctx.appliedRevision.get(label) ?? '0-0';
        let pending = 0;
        for (const entry of inHand) {
          if (entry.label !== label) continue;
          pending += 1;
          if (compareStreamIds(entry.id, headRevision) > 0) headRevision = entry.id;
        }
        known.set(label, { headRevision, pending });
      }
    });
    return known;
  }

  /** Has the pending entries re-read before the next new ones: a connection came back, and a reply may be lost. */
  recheckPending(): void {
    this.lanes.forEach((_, lane) => this.pendingDue.add(lane));
  }

  private async landPending(lane: number, group: string, node: string, labels: readonly string[]): Promise<void> {
    this.pendingDue.delete(lane);
    while (!this.stopping) {
      let pending: StreamEntry[];
      try {
        pending = await this.ctx.redis.readGroup(group, node, labels.map((label) => ({ label, id: '0' })), READ_COUNT);
      } catch (err) {
        // The command connection fails fast while Redis is away; the blocking read waits it out, and this read is
        // tried again once a connection is back rather than forcing a full startup sync.
        if (!this.stopping && !this.pendingReadFailing) this.ctx.logger.warn({ err, labels }, 'reading pending entries failed; retrying');
        this.pendingReadFailing = true;
        this.pendingDue.add(lane);
        return;
      }
      this.pendingReadFailing = false;
      if (pending.length === 0) return;
      await this.ctx.queue.run(() => this.landBatch(pending, false));
    }
  }

  /** `fresh`: read with ">"; an old entry among them means the group was rewound (`artisync replay`). */
  private async landBatch(entries: readonly StreamEntry[], fresh: boolean): Promise<void> {
    if (fresh) this.noteTrimSuspects(entries);
    const touched = new Set<string>();
    const replayed = new Set<string>();
    const committedAt: number[] = [];
    const acks = new Map<string, string[]>();
    for (const entry of entries) {
      acks.set(entry.label, [...(acks.get(entry.label) ?? []), entry.id]);
      // Entries up to what is already on disk are only re-checked (a replay), since applying them could only regress.
      if (fresh && entry.fields !== null && compareStreamIds(entry.id, this.ctx.appliedRevision.get(entry.label) ?? '0-0') <= 0) {
        for (const item of decodeChangeEvent(entry.id, entry.fields).items) replayed.add(item.path);
        continue;
      }
      if (compareStreamIds(entry.id, this.ctx.syncedRevision.get(entry.label) ?? '0-0') <= 0) continue;
      if (entry.fields === null) {
        await this.acknowledge(new Map([[entry.label, [entry.id]]]));
        throw new StreamTrimmedError('ARTISYNC_STREAM_TRIMMED', `pending entry ${entry.id} of label ${entry.label} was trimmed from the stream`, { subject: entry.label });
      }
      const event = decodeChangeEvent(entry.id, entry.fields);
      const view = this.viewOf(entry.label);
      for (const item of event.items) {
        const head = { version: item.version, sha256: item.op === 'delete' ? null : item.sha256, size: item.size };
        if (applyToView(view, item.path, head)) touched.add(item.path);
      }
      committedAt.push(event.committedAt);
    }
    let result: ReconcileResult = { written: [], removed: [] };
    if (touched.size > 0) {
      if (this.ctx.settings.eventWaitingMs > 0) await delay(this.ctx.settings.eventWaitingMs);
      result = await reconcilePaths(this.ctx, touched);
    }
    if (replayed.size > 0) result = merge(result, await this.recheck(replayed));
    await this.acknowledge(acks);
    if (this.suspects.size > 0) await this.checkSuspects();
    const now = this.ctx.clock();
    for (const at of committedAt) this.ctx.metrics.observePropagationLag(Math.max(0, now - at) / 1000);
    if (result.written.length > 0 || result.removed.length > 0) {
      for (const path of result.written) {
        const applied = this.ctx.record.get(path);
        this.ctx.logger.info({ label: applied?.label, path, version: applied?.version }, 'artifact applied');
      }
      for (const path of result.removed) this.ctx.logger.info({ path }, 'artifact removed');
      this.ctx.logger.info({ written: result.written.length, removed: result.removed.length, entries: entries.length }, 'changesets applied');
    }
    this.onBatch(result, entries.length);
  }

  /** Labels whose stream may have been trimmed past this node; they get a digest check once caught up. */
  private readonly suspects = new Set<string>();

  /**
   * Each entry names the one before it (`prev`): one newer than what this node last saw means entries in between were
   * trimmed (or deleted) before it read them. O(1) per entry, where XINFO STREAM per batch cost a 22 KB reply.
   */
  private noteTrimSuspects(entries: readonly StreamEntry[]): void {
    const seen = new Map<string, string>();
    for (const entry of entries) {
      if (entry.fields === null) continue;
      const last = seen.get(entry.label) ?? this.ctx.appliedRevision.get(entry.label) ?? '0-0';
      const prev = decodeChangeEvent(entry.id, entry.fields).prev;
      if (prev !== undefined && compareStreamIds(prev, last) > 0) this.suspects.add(entry.label);
      if (compareStreamIds(entry.id, last) > 0) seen.set(entry.label, entry.id);
    }
  }

  /** Entries trimmed before this node read them leave a gap the digest shows; repaired from a snapshot (guarantee 6 in docs/guarantees.md). */
  private async checkSuspects(): Promise<void> {
    for (const label of [...this.suspects]) {
      const check = await repairLabel(this.ctx, label);
      if (!check.compared) continue;
      this.suspects.delete(label);
      if (check.repaired > 0) this.ctx.logger.warn({ label, repaired: check.repaired }, 'stream was trimmed past this node: repaired from a snapshot');
    }
  }

  /**
   * A replayed entry re-applies as "make this path's disk equal to the hub's current version", never an older one.
   * Like any apply it looks for hand edits first: a file changed or deleted after the gateway last wrote it stays.
   */
  private async recheck(paths: ReadonlySet<string>): Promise<ReconcileResult> {
    const disk = new Map<string, string>();
    for (const path of paths) {
      const sha = await hashFile(this.ctx.settings.serverRoot, path).catch(() => null);
      if (sha !== null) disk.set(path, sha);
    }
    const result = await reconcilePaths(this.ctx, paths, { disk, checkHandEdits: true });
    this.ctx.logger.info({ paths: paths.size, written: result.written.length, removed: result.removed.length }, 'replayed entries re-applied');
    return result;
  }

  private async acknowledge(acks: ReadonlyMap<string, string[]>): Promise<void> {
    const group = consumerGroupName(this.ctx.settings.nodeId);
    for (const [label, ids] of acks) {
      await this.ctx.redis.ack(label, group, ids);
      const last = ids[ids.length - 1] as string;
      const applied = this.ctx.appliedRevision.get(label) ?? '0-0';
      if (compareStreamIds(last, applied) > 0) this.ctx.appliedRevision.set(label, last);
    }
  }

  private viewOf(label: string): Map<string, LabelHead> {
    let view = this.ctx.views.get(label);
    if (view === undefined) {
      view = new Map();
      this.ctx.views.set(label, view);
    }
    return view;
  }
}

function merge(a: ReconcileResult, b: ReconcileResult): ReconcileResult {
  return { written: [...a.written, ...b.written], removed: [...a.removed, ...b.removed] };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
