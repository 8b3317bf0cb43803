// The gateway role: startup sync with retries, the stream consumer, drift checks, the override watcher and admin actions.
import * as fsPromises from 'node:fs/promises';
import type { ArtifactPath } from '../../core/artifact-path.js';
import { deployRank } from '../../core/artifact-kind.js';
import { consumerGroupName } from '../../core/redis-keys.js';
import type { AgentRole, AgentRoleDeps, EchoFilter, RoleReport } from '../agent-role.js';
import type { AtomicFs } from '../fs/atomic-write.js';
import type { RealpathFs } from './tree-confinement.js';
import { BackgroundFailures } from '../background-failures.js';
import { AppliedRecord } from './applied-record.js';
import { runDeployHook } from './deploy-hook.js';
import { DiskFingerprints } from './disk-fingerprints.js';
import { checkDrift, needsFullSync, type Verification } from './drift-checker.js';
import * as actions from './gateway-admin-actions.js';
import { syncFilesystem } from '../fs/sync-filesystem.js';
import type { GatewayParts, GatewayMetrics } from './gateway-context.js';
import { GatewayRedis, type LabelPosition } from './gateway-redis.js';
import { labelStateOf } from './label-state.js';
import { OverrideTracker } from './override-tracker.js';
import { DeployFailures } from './carbon-restore.js';
import { OwnFiles } from './own-files.js';
import { watchForOverrides, type OverrideWatch } from './override-watcher.js';
import type { ReconcileResult } from './path-reconciler.js';
import { retryDelayMs } from '../../core/retry-backoff.js';
import { jittered } from '../../core/jitter.js';
import { SerialQueue } from './serial-queue.js';
import { runStartupSync, type FullSyncOptions } from './startup-sync.js';
import { READ_BLOCK_MS, StreamConsumer, StreamTrimmedError } from './stream-consumer.js';
import type { StateFs } from './json-state-file.js';

/** What the composition root gives the gateway beyond a role's usual deps. */
export interface GatewayDeps extends AgentRoleDeps {
  metrics?: GatewayMetrics;
  /** Rename order of a changeset (lower first); core's deployRank unless a test injects another. */
  rankOf?: (path: string) => number;
  /** The filesystem calls writes go through; node:fs/promises unless a test records them. */
  fs?: AtomicFs & StateFs & RealpathFs;
  /** How long a blocking stream read waits; READ_BLOCK_MS unless a test shortens it. */
  readBlockMs?: number;
}

const NO_METRICS: GatewayMetrics = { observePropagationLag: () => undefined, countRepairs: () => undefined, setOverrides: () => undefined, countRedisError: () => undefined, countSyncRetry: () => undefined, countBackgroundFailure: () => undefined };
const WRITE_CONCURRENCY = 16;
/**
 * Every this many lag refreshes, every label's position is read from Redis even when the stream consumer vouches for
 * it: the consumer's word is a hint, Redis is the truth (as the periodic scan is for the publisher's watcher).
 */
const LAG_READ_EVERY = 12;
const GRACEFUL_STOP_MS = 3_000;

/** A running gateway. */
export class GatewayRole implements AgentRole, EchoFilter {
  readonly name = 'gateway' as const;
  private stopping = false;
  private synced = false;
  private consumer: StreamConsumer | undefined;
  private resyncRequested = false;
  private supervisor: Promise<void> = Promise.resolve();
  private wake: (() => void) | undefined;
  /** True while the sync loop sleeps after a failure. */
  private backingOff = false;
  private hookChain: Promise<unknown> = Promise.resolve();
  private timers: NodeJS.Timeout[] = [];
  private watcher: OverrideWatch | undefined;
  private lastError: string | undefined;
  /** The error of the sync loop's last failed attempt; cleared by a successful startup sync. */
  private syncError: string | undefined;
  private lastVerification: Verification | undefined;
  private readonly positions = new Map<string, LabelPosition>();
  private lagRefreshes = 0;

  private constructor(
    private readonly deps: GatewayDeps,
    readonly ctx: GatewayParts,
  ) {}

  /** Loads state, starts the watcher (gateway-only nodes) and the sync loop; does not wait for the first sync. */
  static async start(deps: GatewayDeps): Promise<GatewayRole> {
    const { config, logger } = deps;
    const fs = deps.fs ?? fsPromises;
    await fsPromises.mkdir(config.state_dir, { recursive: true });
    const metrics = deps.metrics ?? NO_METRICS;
    const holder: { role?: GatewayRole } = {};
    const redis = new GatewayRedis(config.redis_url, {
      onReady: (reconnected) => holder.role?.afterReady(reconnected),
      onReadsResumed: () => holder.role?.consumer?.recheckPending(),
      onError: (err) => holder.role?.noteRedisError(err),
    });
    const ctx: GatewayParts = {
      settings: {
        nodeId: config.node_id,
        serverRoot: config.server_root,
        stateDir: config.state_dir,
        labels: config.gateway.gateway_labels,
        trees: config.trees,
        handEditsAreOverrides: !config.publisher.enabled,
        eventWaitingMs: config.gateway.event_waiting_time,
        writeConcurrency: WRITE_CONCURRENCY,
        readBlockMs: deps.readBlockMs ?? READ_BLOCK_MS,
      },
      logger: logger.child({ role: 'gateway' }),
      redis,
      fs,
      // Only the real filesystem can be flushed as a whole; an injected one (tests) gets an fsync per file.
      ...(deps.fs === undefined ? { syncFilesystem } : {}),
      rankOf: deps.rankOf ?? ((path) => deployRank(path as ArtifactPath)),
      clock: () => Date.now(),
      metrics,
      failures: new BackgroundFailures(logger.child({ role: 'gateway' }), metrics),
      queue: new SerialQueue(),
      views: new Map(),
      syncedRevision: new Map(),
      appliedRevision: new Map(),
      record: await AppliedRecord.load(fs, config.state_dir),
      overrides: await OverrideTracker.load(fs, config.state_dir),
      deployFailures: await DeployFailures.load(fs, config.state_dir),
      failed: new Map(),
      ownFiles: new OwnFiles(),
      diskPrints: new DiskFingerprints(),
      notCompared: new Map(),
      ...(deps.ownPublisher === undefined ? {} : { ownPublisher: { labels: new Set(config.publisher.labels), publisher: deps.ownPublisher } }),
    };
    ctx.record.reportFailuresTo(ctx.failures);
    const role = new GatewayRole(deps, ctx);
    holder.role = role;
    await role.begin();
    return role;
  }

  /** EchoFilter: true when the gateway itself left exactly this content (null: removed it) at `path`. */
  isOwnWrite(path: string, sha256: string | null): boolean {
    return this.ctx.record.isOwn(path, sha256);
  }

  isReady(): boolean {
    return this.deps.config.gateway.data_retrieval_mode === 'async' || this.synced;
  }

  report(): RoleReport {
    const gatewayLabels: NonNullable<RoleReport['gatewayLabels']> = {};
    for (const label of this.ctx.settings.labels) {
      gatewayLabels[label] = labelStateOf(this.ctx, label, this.positions.get(label), this.syncError, this.lastVerification?.labels[label]?.state);
    }
    const report: RoleReport = { gatewayLabels, overrides: this.ctx.overrides.list().filter((item) => item.kind !== 'undeployed').map((item) => item.path) };
    const deployFailures = this.ctx.deployFailures.list(this.ctx.record);
    if (deployFailures.length > 0) report.deployFailures = deployFailures;
    if (this.lastError !== undefined) report.lastError = this.lastError;
    if (this.lastVerification !== undefined) report.lastVerification = this.lastVerification;
    return report;
  }

  /** Runs a drift check now (also what the timer and a reconnect do); a trimmed stream triggers a full sync. */
  async verifyNow(): Promise<Verification> {
    if (await needsFullSync(this.ctx)) this.requestResync('stream trimmed past this node or group missing');
    const result = await checkDrift(this.ctx);
    this.lastVerification = result;
    if (result.repaired > 0) this.ctx.logger.warn({ repaired: result.repaired }, 'drift check repaired files');
    return result;
  }

  readonly admin = {
    listArtifacts: () => actions.listArtifacts(this.ctx),
    getArtifact: (path: string) => actions.getArtifact(this.ctx, path),
    redeploy: async (path: string) => this.afterChange(await actions.redeploy(this.ctx, [path])),
    undeploy: (path: string) => actions.undeploy(this.ctx, path),
    overrides: () => this.ctx.overrides.list(),
    deployFailures: () => this.ctx.deployFailures.list(this.ctx.record),
    clearOverrides: (target: { path: string } | { all: true }) => actions.clearOverrides(this.ctx, target),
    verify: () => actions.verify(this.ctx),
    checkDrift: async () => {
      const started = performance.now();
      const result = await this.verifyNow();
      return { ok: result.ok, repaired: result.repaired, at: result.at, durationMs: performance.now() - started, labels: result.labels, drift: result.drift };
    },
  };

  async stop(): Promise<void> {
    this.stopping = true;
    for (const timer of this.timers) clearInterval(timer);
    this.consumer?.stop();
    this.wake?.();
    this.ctx.redis.interruptReads();
    // No new override checks once stopping; an edit from now on is found at the next start by comparing disk and record.
    this.watcher?.close();
    // The batch in hand gets time to land and be acked. A call waiting on an unreachable Redis may never settle
    // (ioredis keeps it queued), so shutdown does not wait for it: nothing of it has reached the disk yet.
    if (!(await settlesWithin(Promise.all([this.supervisor, this.ctx.queue.idle()]), GRACEFUL_STOP_MS))) {
      this.ctx.logger.warn({ waitedMs: GRACEFUL_STOP_MS }, 'stopping with a Redis call outstanding');
    }
    await this.ctx.record.flush();
    await this.ctx.overrides.flush();
    await this.ctx.deployFailures.flush();
    await this.hookChain;
    this.ctx.redis.close();
  }

  private async begin(): Promise<void> {
    if (this.ctx.settings.handEditsAreOverrides) this.watcher = await watchForOverrides(this.ctx);
    this.supervisor = this.supervise();
    const gateway = this.deps.config.gateway;
    this.scheduleDriftRound(gateway.verify_interval);
    this.timers.push(setInterval(() => void this.refreshLag(), this.deps.config.heartbeat_interval));
    for (const timer of this.timers) timer.unref();
    void this.refreshLag();
  }

  /** Drift rounds every verify_interval ±10%, so gateways started together do not all read Redis at once. */
  private scheduleDriftRound(intervalMs: number): void {
    if (this.stopping) return;
    const timer = setTimeout(() => {
      this.timers.splice(this.timers.indexOf(timer), 1);
      void this.verifyNow()
        .catch((err: unknown) => this.noteError(err, 'drift check failed'))
        .finally(() => this.scheduleDriftRound(intervalMs));
    }, jittered(intervalMs, 0.1, Math.random));
    timer.unref();
    this.timers.push(timer);
  }

  private async supervise(): Promise<void> {
    let failures = 0;
    let reason: FullSyncOptions['reason'];
    while (!this.stopping) {
      try {
        const result = await this.ctx.queue.run(() => runStartupSync(this.ctx, { ...(reason === undefined ? {} : { reason }) }));
        this.synced = true;
        this.lastError = undefined;
        this.syncError = undefined;
        failures = 0;
        this.resyncRequested = false;
        this.afterChange(result);
        this.consumer = new StreamConsumer(this.ctx, (batch) => this.afterChange(batch));
        await this.consumer.run();
        if (!this.resyncRequested) return;
        reason = 'full sync requested';
      } catch (err) {
        if (this.stopping) return;
        if (err instanceof StreamTrimmedError) {
          this.ctx.logger.warn({ err }, 'stream trimmed past this node: full sync again');
          reason = 'stream trimmed';
          continue;
        }
        failures += 1;
        reason = 'retry after a failure';
        this.ctx.metrics.countSyncRetry();
        const waitMs = retryDelayMs(this.deps.config.gateway.deployment_retry_duration, failures);
        this.noteError(err, 'gateway sync failed, retrying', { failures, waitMs });
        this.syncError = this.lastError;
        this.backingOff = true;
        await this.sleep(waitMs);
        this.backingOff = false;
      }
    }
  }

  private requestResync(reason: string): void {
    this.ctx.logger.warn({ reason }, 'full sync requested');
    this.resyncRequested = true;
    // The batch in hand still lands and is acked first; a blocking read in progress ends now.
    this.consumer?.stop();
    this.ctx.redis.interruptReads();
  }

  private afterReady(reconnected: boolean): void {
    // A sync waiting out its backoff (which doubles up to an hour) is retried as soon as Redis is reachable again.
    if (this.backingOff) this.wake?.();
    if (!reconnected) return;
    this.consumer?.recheckPending();
    this.ctx.logger.info('redis reconnected: checking for drift');
    // Spread over up to a second: every gateway of a restarted Redis reconnects at about the same moment.
    const timer = setTimeout(() => void this.verifyNow().catch((err: unknown) => this.noteError(err, 'drift check after reconnect failed')), jittered(500, 1, Math.random));
    timer.unref();
  }

  private afterChange(result: ReconcileResult): ReconcileResult {
    const command = this.deps.config.gateway.on_deploy;
    if (command.length === 0 || result.written.length + result.removed.length === 0) return result;
    const batch = { written: result.written.length, removed: result.removed.length };
    this.hookChain = this.hookChain.then(() => runDeployHook(command, this.deps.config.gateway.on_deploy_timeout, this.ctx.logger, batch));
    return result;
  }

  /**
   * Each label's head and this node's pending count. Labels whose position the stream consumer knows (its lane waits
   * with everything delivered on disk and acked, or lands a batch in hand) are not read from Redis; the others are
   * (O(1) work per label, no XINFO GROUPS), and every label is every LAG_READ_EVERY refreshes. At 1,000 idle gateways
   * those reads had been most of Redis' idle CPU.
   */
  private async refreshLag(): Promise<void> {
    this.lagRefreshes += 1;
    const known = this.lagRefreshes % LAG_READ_EVERY === 0 ? new Map<string, LabelPosition>() : this.consumer?.knownPositions() ?? new Map<string, LabelPosition>();
    for (const [label, position] of known) this.positions.set(label, position);
    const unknown = this.ctx.settings.labels.filter((label) => !known.has(label));
    if (unknown.length === 0) return;
    try {
      const positions = await this.ctx.redis.labelPositions(unknown, consumerGroupName(this.ctx.settings.nodeId));
      for (const [label, position] of positions) this.positions.set(label, position);
      // The consumer re-reads them between batches, when none of its own is in flight: one still pending has lost its reply.
      if ([...positions.values()].some((position) => position.pending > 0)) this.consumer?.recheckPending();
    } catch (err) {
      this.noteError(err, 'lag refresh failed');
    }
  }

  private noteRedisError(err: Error): void {
    this.ctx.metrics.countRedisError();
    this.lastError = `redis: ${err.message}`;
  }

  private noteError(err: unknown, message: string, fields: Record<string, unknown> = {}): void {
    this.lastError = err instanceof Error ? err.message : String(err);
    this.ctx.logger.error({ err, ...fields }, message);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

async function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const settled = await Promise.race([work.then(() => true, () => true), late]);
  clearTimeout(timer);
  return settled;
}

/** Starts the gateway role. */
export function startGateway(deps: GatewayDeps): Promise<GatewayRole> {
  return GatewayRole.start(deps);
}
