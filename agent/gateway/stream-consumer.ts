// Reads the node's consumer group on every label stream and lands each batch of changesets, acking only what is on disk.
import { decodeChangeEvent } from '../../core/change-event.js';
import { ArtisyncError } from '../../core/errors.js';
import { consumerGroupName } from '../../core/redis-keys.js';
import type { GatewayContext } from './gateway-context.js';
import { applyToView, type LabelHead } from './label-precedence.js';
import { reconcilePaths, type ReconcileResult } from './path-reconciler.js';
import type { StreamEntry } from './gateway-redis.js';
import { compareStreamIds } from './stream-id.js';

/** Entries read per XREADGROUP call; they land as one batch. */
const READ_COUNT = 100;
/** How long one blocking read waits before the loop checks whether it should stop. */
const BLOCK_MS = 2_000;

/** Thrown when an entry the node still needs is gone from the stream: only a full startup sync recovers it. */
export class StreamTrimmedError extends ArtisyncError {}

/** What the consumer tells its owner after each landed batch. */
export type BatchListener = (result: ReconcileResult, entries: number) => void;

/** The consume loop of one gateway. */
export class StreamConsumer {
  private stopping = false;

  constructor(
    private readonly ctx: GatewayContext,
    private readonly onBatch: BatchListener,
  ) {}

  /** Re-delivers this node's pending entries, then reads new ones until stop(); throws on any failure. */
  async run(): Promise<void> {
    const group = consumerGroupName(this.ctx.settings.nodeId);
    const node = this.ctx.settings.nodeId;
    const labels = this.ctx.settings.labels;
    for (;;) {
      if (this.stopping) return;
      const pending = await this.ctx.redis.readGroup(group, node, labels.map((label) => ({ label, id: '0' })), READ_COUNT);
      if (pending.length === 0) break;
      await this.ctx.queue.run(() => this.landBatch(pending));
    }
    while (!this.stopping) {
      let entries: StreamEntry[];
      try {
        entries = await this.ctx.redis.readGroup(group, node, labels.map((label) => ({ label, id: '>' })), READ_COUNT, BLOCK_MS);
      } catch (err) {
        if (this.stopping) return;
        throw err;
      }
      if (entries.length > 0) await this.ctx.queue.run(() => this.landBatch(entries));
    }
  }

  /** Makes the loop return after the batch in hand. */
  stop(): void {
    this.stopping = true;
  }

  private async landBatch(entries: readonly StreamEntry[]): Promise<void> {
    const touched = new Set<string>();
    const committedAt: number[] = [];
    const acks = new Map<string, string[]>();
    for (const entry of entries) {
      acks.set(entry.label, [...(acks.get(entry.label) ?? []), entry.id]);
      // Entries up to the last snapshot are already on disk; applying them again could only regress.
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
    await this.acknowledge(acks);
    const now = this.ctx.clock();
    for (const at of committedAt) this.ctx.metrics.observePropagationLag(Math.max(0, now - at) / 1000);
    if (result.written.length > 0 || result.removed.length > 0) {
      this.ctx.logger.info({ written: result.written.length, removed: result.removed.length, entries: entries.length }, 'changesets applied');
    }
    this.onBatch(result, entries.length);
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

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
