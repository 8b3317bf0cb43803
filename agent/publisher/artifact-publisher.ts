// The publisher's engine: dirty paths in, validated changesets out, with retry, journal, conflicts and no echo.
import type { Logger } from 'pino';
import { mapBounded } from '../../core/bounded-concurrency.js';
import type { EchoFilter, PublisherMetrics, RoleReport } from '../agent-role.js';
import { readArtifact } from './artifact-reader.js';
import type { FileFingerprint } from '../../core/file-fingerprint.js';
import { ChangeBatcher, type TakenPath } from './change-batcher.js';
import { pushChanges, type ChangesetLimits, type PublisherHub } from './changeset-pusher.js';
import { DeleteGate } from './delete-gate.js';
import { FolderRescans, foldersBelow } from './folder-rescans.js';
import { assessFile, type Assessment, type ValidateArtifact } from './file-assessment.js';
import { HeldBackFiles } from './held-back-files.js';
import { KnownHeads } from './known-heads.js';
import type { MassDeleteGuard } from './mass-delete-guard.js';
import type { PendingJournal } from './pending-journal.js';
import { PeriodicRescan } from './periodic-rescan.js';
import { PushFailures } from './push-failures.js';
import { applyOutcome, changesFor, ConflictLog, UNKNOWN_VERSION, type Publishable } from './push-outcome.js';
import { scanTrees } from './tree-scanner.js';

/** Everything the engine needs, built by publisher-role.ts. */
export interface ArtifactPublisherDeps {
  serverRoot: string;
  labels: string[];
  hub: PublisherHub;
  validate: ValidateArtifact;
  isIgnoredPath: (relativePath: string) => boolean;
  echoFilter: EchoFilter;
  journal: PendingJournal;
  logger: Logger;
  quietMs: number;
  maxArtifactBytes: number;
  /** Largest share of a label's artifacts deleted within a minute before the rest are held. */
  massDeleteGuard: number;
  /** How long a missing path waits to reappear before its delete is sent. */
  deleteDelayMs: number;
  rescanIntervalMs: number;
  limits?: ChangesetLimits;
  random?: () => number;
  metrics?: PublisherMetrics;
}

/** A taken path whose disk state is to be published. */
interface Ready {
  item: TakenPath;
  assessment: Publishable;
}

const DEFAULT_LIMITS: ChangesetLimits = { maxItems: 100, maxBytes: 2 * 1024 * 1024 };
const FLUSH_ITEMS = 1000;
// Taken paths are read and pushed this many at a time (one changeset's worth), reading the next while pushing one.
const PUSH_SLICE = 100;
const MAX_BATCH_DELAY_MS = 500;
const READ_CONCURRENCY = 32;
// A bulk copy shows up as many events within a few ms: give it a longer quiet window so it travels in few changesets.
const BURST = { quietMs: 100, items: 8, windowMs: 250 };

/** Publishes dirty paths; the owner feeds it paths (watcher) and runs the startup sync through `exclusive`. */
export class ArtifactPublisher {
  private heads = new KnownHeads();
  private readonly conflicts = new ConflictLog();
  private readonly rescan: PeriodicRescan;
  private readonly heldBack: HeldBackFiles;
  private readonly pushFailures: PushFailures;
  /** The lstat of each path as last read: the periodic rescan reads again only what differs. */
  private readonly fingerprints = new Map<string, FileFingerprint>();
  private readonly deletes: DeleteGate;
  private readonly batcher: ChangeBatcher;
  private readonly rescans: FolderRescans;
  private chain: Promise<void> = Promise.resolve();
  private paused = true;
  private stopped = false;

  constructor(private readonly deps: ArtifactPublisherDeps) {
    this.pushFailures = new PushFailures(deps);
    this.heldBack = new HeldBackFiles({ logger: deps.logger, recheck: (path) => this.batcher.mark([path]) });
    this.rescans = new FolderRescans({
      serverRoot: deps.serverRoot,
      isIgnoredPath: deps.isIgnoredPath,
      logger: deps.logger,
      isSeen: (path) => this.batcher.has(path) || deps.labels.every((label) => this.known.get(label, path) !== undefined),
      knownBelow: (folders) => this.knownBelow(folders),
      onUnseen: (paths) => this.notePaths(paths),
    });
    this.deletes = new DeleteGate({ ...deps, known: () => this.known, recheck: (path) => this.batcher.mark([path]) });
    this.rescan = new PeriodicRescan({
      serverRoot: deps.serverRoot,
      isIgnoredPath: deps.isIgnoredPath,
      intervalMs: deps.rescanIntervalMs,
      logger: deps.logger,
      fingerprints: this.fingerprints,
      knownPaths: () => new Set(deps.labels.flatMap((label) => this.known.pathsOf(label))),
      isInHand: (path) => this.batcher.has(path) || this.deletes.isInHand(path),
      onChanged: (paths) => this.notePaths(paths),
    });
    this.batcher = new ChangeBatcher({
      quietMs: deps.quietMs,
      maxItems: FLUSH_ITEMS,
      maxDelayMs: Math.max(MAX_BATCH_DELAY_MS, deps.quietMs),
      burst: BURST,
      timers: { setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout) },
      now: () => Date.now(),
      onFlush: () => void this.exclusive(() => this.flush()).catch((err: unknown) => this.batcher.kick(this.pushFailures.noteFlushFailure(err))),
    });
  }

  /** Loads the journal: known heads and the paths still pending from before a restart. */
  async loadJournal(): Promise<void> {
    const state = await this.deps.journal.load();
    this.heads = KnownHeads.fromJSON(state.known);
    for (const [label, paths] of Object.entries(state.held ?? {})) this.guard.holdAtStartup(label, paths, this.known.pathsOf(label).length);
    this.batcher.mark(state.pending);
  }

  /** Lets flushes run (they wait until the startup sync has had its first go). */
  resume(): void {
    this.paused = false;
    this.batcher.kick();
  }

  /** Starts the periodic rescan (after the startup sync's first go, so it compares against the hub's heads). */
  startRescan(): void {
    this.rescan.start();
  }

  /** The startup sync failed and will be retried: the heartbeat shows why until a push succeeds. */
  noteSyncFailure(err: unknown): void {
    this.pushFailures.noteSyncFailure(err);
  }

  /** The heads the hub is known to hold per label; the startup sync and the audit update them inside `exclusive`. */
  get known(): KnownHeads {
    return this.heads;
  }

  /** The engine's part of the heartbeat. */
  report(): RoleReport {
    const lastError = this.pushFailures.lastError;
    return {
      invalid: this.heldBack.invalid.list(),
      conflicts: this.conflicts.list(),
      pending: this.pendingCount,
      heldDeletes: this.guard.report(false),
      ...(lastError === undefined ? {} : { lastError }),
    };
  }

  /** Paths that may have changed on disk. */
  notePaths(paths: string[]): void {
    for (const path of paths) this.heldBack.cancelRecheck(path);
    this.batcher.mark(paths.filter((path) => !this.deps.isIgnoredPath(path)));
  }

  /** A folder appeared or vanished: every file on disk below it and every known path below it is looked at. */
  async noteFolder(folder: string): Promise<void> {
    const scanned = foldersBelow(folder);
    if (scanned.length === 0) return;
    const onDisk = await scanTrees(this.deps.serverRoot, this.deps.isIgnoredPath, scanned);
    this.notePaths([...onDisk, ...this.knownBelow(scanned)]);
    this.rescans.schedule(scanned);
  }

  private knownBelow(folders: readonly string[]): string[] {
    const known = this.deps.labels.flatMap((label) => this.known.pathsOf(label));
    return known.filter((path) => folders.some((prefix) => path.startsWith(`${prefix}/`)));
  }

  /** The mass-deletion guard: its holds, for the heartbeat, the admin API and the startup sync. */
  get guard(): MassDeleteGuard {
    return this.deletes.guard;
  }

  /** Paths not yet confirmed by the hub. */
  get pendingCount(): number {
    return this.batcher.size;
  }

  /** Runs `task` when no flush or sync is in flight, so the known heads are never read half-updated. */
  exclusive(task: () => Promise<void>): Promise<void> {
    const next = this.chain.then(task);
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** Releases a label's held deletes (`artisync deletes confirm`): each is sent if its path is still missing. */
  confirmDeletes(label: string): string[] {
    const released = this.guard.confirm(label);
    this.notePaths(released);
    return released;
  }

  /** Reads and assesses a file (exposed for the startup sync). */
  async assess(path: string): Promise<Assessment> {
    const state = await readArtifact(this.deps.serverRoot, path, this.deps.maxArtifactBytes);
    if (state.kind === 'absent') this.fingerprints.delete(path);
    else if (state.fingerprint !== undefined) this.fingerprints.set(path, state.fingerprint);
    // Content every label's hub head already has was validated when it was stored: no need to check it again.
    const isKnown = (sha256: string) => this.deps.labels.length > 0 && this.deps.labels.every((label) => this.known.get(label, path)?.sha256 === sha256);
    return assessFile(path, state, this.deps.validate, this.deps.maxArtifactBytes, isKnown);
  }

  /** Stops timers, waits for the flush in hand and saves the journal. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.batcher.stop();
    this.heldBack.stop();
    this.rescans.stop();
    this.rescan.stop();
    this.deletes.stop();
    await this.exclusive(() => this.saveJournal());
  }

  /** Saves pending paths and known heads. */
  saveJournal(): Promise<void> {
    return this.deps.journal.save({ pending: this.batcher.paths(), known: this.known.toJSON(), held: this.guard.heldPaths() });
  }

  private async flush(): Promise<void> {
    if (this.paused || this.stopped) return;
    const waitMs = this.pushFailures.waitMs();
    if (waitMs > 0) {
      this.batcher.kick(waitMs);
      return this.saveJournal();
    }
    const taken = this.batcher.take(FLUSH_ITEMS);
    if (taken.length === 0) return;
    const slices: TakenPath[][] = [];
    for (let start = 0; start < taken.length; start += PUSH_SLICE) slices.push(taken.slice(start, start + PUSH_SLICE));
    let failed = false;
    // The next slice is read while the hub checks and commits this one; at most two slices of content are in memory.
    let next = this.assessSoon(slices[0]);
    for (let index = 0; next !== undefined && !failed; index += 1) {
      const ready = await next;
      next = this.assessSoon(slices[index + 1]);
      const retry = await this.pushReady(ready.filter(({ item, assessment }) => !this.isEcho(item, assessment)));
      for (const { item } of ready) if (!retry.has(item.path)) this.batcher.settle(item);
      // An unreachable hub: the slices not sent stay dirty and go with the retry.
      failed = retry.size > 0;
    }
    await this.saveJournal();
    this.batcher.kick(failed ? this.pushFailures.waitMs() : 0);
  }

  /** Starts assessing a slice; a failure surfaces where the result is awaited, never as an unhandled rejection. */
  private assessSoon(slice: TakenPath[] | undefined): Promise<Ready[]> | undefined {
    if (slice === undefined) return undefined;
    const assessing = this.assessTaken(slice);
    assessing.catch(() => undefined);
    return assessing;
  }

  /** Reads taken paths; files to wait for or refuse are handled and settled here, the rest returned to push. */
  private async assessTaken(taken: TakenPath[]): Promise<Ready[]> {
    const ready: Ready[] = [];
    // A bounded number of reads at a time, so a burst of thousands of paths never runs the process out of file descriptors.
    for (const { item, assessment } of await mapBounded(taken, READ_CONCURRENCY, async (item) => ({ item, assessment: await this.assess(item.path) }))) {
      if (assessment.kind === 'put') this.deletes.present(item.path);
      if (assessment.kind === 'put' || (assessment.kind === 'delete' && this.deletes.graceOver(item.path))) {
        ready.push({ item, assessment });
        continue;
      }
      this.heldBack.holdBack(item.path, assessment);
      this.batcher.settle(item);
    }
    return ready;
  }

  private isEcho(item: TakenPath, assessment: Publishable): boolean {
    const sha256 = assessment.kind === 'put' ? assessment.sha256 : null;
    if (!this.deps.echoFilter.isOwnWrite(item.path, sha256)) return false;
    this.deps.logger.debug({ path: item.path }, 'skipping what this node\'s gateway wrote');
    // The gateway wrote a head this publisher has not seen: its version is unknown here, so no stale baseVersion is sent later.
    for (const label of this.deps.labels) {
      if (sha256 === null) this.known.remove(label, item.path);
      else this.known.set(label, item.path, { version: UNKNOWN_VERSION, sha256 });
    }
    return true;
  }

  /** Pushes to every label; returns the paths to keep pending because the hub could not be reached. */
  private async pushReady(ready: Ready[]): Promise<Set<string>> {
    const retry = new Set<string>();
    for (const { item } of ready) this.heldBack.release(item.path);
    const target = { known: this.known, guard: this.guard, invalid: this.heldBack.invalid, conflicts: this.conflicts, logger: this.deps.logger };
    for (const label of this.deps.labels) {
      const changes = this.deletes.admit(label, ready.flatMap(({ item, assessment }) => changesFor(this.known, this.guard, label, item.path, assessment)));
      if (changes.length === 0) continue;
      const outcome = await pushChanges(this.deps.hub, label, changes, this.deps.limits ?? DEFAULT_LIMITS);
      applyOutcome(target, label, outcome, retry);
      if (outcome.failure === undefined) continue;
      this.pushFailures.notePushFailure(label, outcome.failure.error, this.batcher.size);
      for (const change of outcome.failure.uncertain) this.known.markUncertain(label, change.path);
      for (const change of [...outcome.failure.uncertain, ...outcome.failure.unsent]) retry.add(change.path);
    }
    if (retry.size === 0) this.pushFailures.noteSuccess();
    return retry;
  }
}
