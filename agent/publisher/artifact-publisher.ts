// The publisher's engine: dirty paths in, validated changesets out, with retry, journal, conflicts and no echo.
import type { Logger } from 'pino';
import { InternalError, UnavailableError } from '../../core/errors.js';
import type { EchoFilter, PublisherMetrics } from '../agent-role.js';
import { readArtifact } from './artifact-reader.js';
import type { FileFingerprint } from '../../core/file-fingerprint.js';
import { ChangeBatcher, type TakenPath } from './change-batcher.js';
import { pushChanges, type ChangesetLimits, type PreparedChange, type PublisherHub, type PushOutcome } from './changeset-pusher.js';
import { DeleteGate } from './delete-gate.js';
import { FolderRescans, foldersBelow } from './folder-rescans.js';
import { assessFile, type Assessment, type ValidateArtifact } from './file-assessment.js';
import { InvalidRegistry, type FileIssue } from './invalid-registry.js';
import { KnownHeads } from './known-heads.js';
import type { MassDeleteGuard } from './mass-delete-guard.js';
import type { PendingJournal } from './pending-journal.js';
import { PeriodicRescan } from './periodic-rescan.js';
import { backoffDelayMs } from './retry-backoff.js';
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

type Publishable = Extract<Assessment, { kind: 'put' | 'delete' }>;
/** A taken path whose disk state is to be published. */
interface Ready {
  item: TakenPath;
  assessment: Publishable;
}

/** A conflict the hub answered, as the heartbeat lists it. */
export interface PublisherConflict {
  path: string;
  label: string;
  at: number;
}

const DEFAULT_LIMITS: ChangesetLimits = { maxItems: 100, maxBytes: 2 * 1024 * 1024 };
const FLUSH_ITEMS = 1000;
// Taken paths are read and pushed this many at a time (one changeset's worth), reading the next while pushing one.
const PUSH_SLICE = 100;
const MAX_BATCH_DELAY_MS = 500;
const READ_CONCURRENCY = 32;
// A bulk copy shows up as many events within a few ms: give it a longer quiet window so it travels in few changesets.
const BURST = { quietMs: 100, items: 8, windowMs: 250 };
const RETRY = { baseMs: 250, capMs: 30_000 };
const INCOMPLETE_RETRY = { baseMs: 200, capMs: 5_000 };
// After this many retries with unchanged content, a "truncated" file is taken to be broken, not still being written.
const INCOMPLETE_GIVE_UP = 8;
const MAX_CONFLICTS_KEPT = 100;
// Hub versions start at 1, so 0 marks a head whose content is known but whose version is not.
const UNKNOWN_VERSION = 0;

/** Publishes dirty paths; the owner feeds it paths (watcher) and runs the startup sync through `exclusive`. */
export class ArtifactPublisher {
  known = new KnownHeads();
  readonly invalid = new InvalidRegistry();
  readonly conflicts: PublisherConflict[] = [];
  readonly rescan: PeriodicRescan;
  lastError: string | undefined;
  /** The lstat of each path as last read: the periodic rescan reads again only what differs. */
  private readonly fingerprints = new Map<string, FileFingerprint>();
  private readonly deletes: DeleteGate;
  private readonly batcher: ChangeBatcher;
  private readonly incomplete = new Map<string, { timer: NodeJS.Timeout; attempts: number; sha256: string }>();
  private readonly rescans: FolderRescans;
  private chain: Promise<void> = Promise.resolve();
  private failures = 0;
  /** A hub error is logged once per run of failed pushes, then only counted, so a hub bug does not flood the log. */
  private hubErrorLogged = false;
  private retryAt = 0;
  private paused = true;
  private stopped = false;

  constructor(private readonly deps: ArtifactPublisherDeps) {
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
      onFlush: () => void this.exclusive(() => this.flush()).catch((err: unknown) => this.noteTaskFailure(err)),
    });
  }

  /** Loads the journal: known heads and the paths still pending from before a restart. */
  async loadJournal(): Promise<void> {
    const state = await this.deps.journal.load();
    this.known = KnownHeads.fromJSON(state.known);
    for (const [label, paths] of Object.entries(state.held ?? {})) this.guard.holdAtStartup(label, paths, this.known.pathsOf(label).length);
    this.batcher.mark(state.pending);
  }

  /** Lets flushes run (they wait until the startup sync has had its first go). */
  resume(): void {
    this.paused = false;
    this.batcher.kick();
  }

  /** Paths that may have changed on disk. */
  notePaths(paths: string[]): void {
    for (const path of paths) {
      const waiting = this.incomplete.get(path);
      if (waiting !== undefined) clearTimeout(waiting.timer);
    }
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
    for (const { timer } of this.incomplete.values()) clearTimeout(timer);
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
    if (Date.now() < this.retryAt) {
      this.batcher.kick(this.retryAt - Date.now());
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
    this.batcher.kick(failed ? Math.max(0, this.retryAt - Date.now()) : 0);
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
    // Reads go in slices so a burst of thousands of paths never runs the process out of file descriptors.
    for (let start = 0; start < taken.length; start += READ_CONCURRENCY) {
      const slice = taken.slice(start, start + READ_CONCURRENCY);
      for (const { item, assessment } of await Promise.all(slice.map(async (item) => ({ item, assessment: await this.assess(item.path) })))) {
        if (assessment.kind === 'put') this.deletes.present(item.path);
        if (assessment.kind === 'put' || (assessment.kind === 'delete' && this.deletes.graceOver(item.path))) {
          ready.push({ item, assessment });
          continue;
        }
        this.holdBack(item.path, assessment);
        this.batcher.settle(item);
      }
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
    for (const { item } of ready) {
      this.invalid.clear(item.path);
      this.incomplete.delete(item.path);
    }
    for (const label of this.deps.labels) {
      const changes = this.deletes.admit(label, ready.flatMap(({ item, assessment }) => this.changeFor(label, item.path, assessment)));
      if (changes.length === 0) continue;
      const outcome = await pushChanges(this.deps.hub, label, changes, this.deps.limits ?? DEFAULT_LIMITS);
      this.applyOutcome(label, outcome, retry);
      if (outcome.failure === undefined) continue;
      this.noteFailure(label, outcome.failure.error);
      for (const change of outcome.failure.uncertain) this.known.markUncertain(label, change.path);
      for (const change of [...outcome.failure.uncertain, ...outcome.failure.unsent]) retry.add(change.path);
    }
    if (retry.size === 0) {
      this.failures = 0;
      this.hubErrorLogged = false;
      this.lastError = undefined;
    }
    return retry;
  }

  private changeFor(label: string, path: string, assessment: Publishable): PreparedChange[] {
    const known = this.known.get(label, path);
    // After a change that got no answer the head's version is unknown, and a lost put may have created a head to delete.
    const uncertain = this.known.isUncertain(label, path);
    const base = known === undefined || known.version === UNKNOWN_VERSION || uncertain ? {} : { baseVersion: known.version };
    if (assessment.kind === 'put') {
      this.guard.returned(label, path);
      if (known?.sha256 === assessment.sha256 && !uncertain) return [];
      return [{ path, op: 'put', bytes: assessment.bytes, sha256: assessment.sha256, ...base }];
    }
    if (known === undefined && !uncertain) return [];
    return [{ path, op: 'delete', sha256: null, ...base }];
  }

  private applyOutcome(label: string, outcome: PushOutcome, retry: Set<string>): void {
    const answered = [...outcome.applied, ...outcome.conflicts, ...outcome.refused.filter(({ status }) => status < 500)];
    for (const { change } of answered) this.known.settleUncertain(label, change.path);
    for (const { change, result } of outcome.applied) {
      if (change.op === 'delete') this.known.remove(label, change.path);
      else {
        if (this.known.get(label, change.path) === undefined) this.guard.noteCreated(label, change.path);
        this.known.set(label, change.path, { version: result.version, sha256: result.sha256 });
      }
      if (!result.unchanged) this.deps.logger.info({ label, path: change.path, op: change.op, version: result.version, revision: result.revision }, 'artifact published');
    }
    for (const { change, message } of outcome.conflicts) {
      this.deps.logger.warn({ label, path: change.path, baseVersion: change.baseVersion, reason: message }, 'hub refused the change as a conflict; the local file is kept');
      this.conflicts.push({ path: change.path, label, at: Date.now() });
      if (this.conflicts.length > MAX_CONFLICTS_KEPT) this.conflicts.shift();
    }
    for (const { change, status, code, message } of outcome.refused) {
      if (status >= 500) retry.add(change.path);
      else if (change.sha256 !== null) this.invalid.note(change.path, change.sha256, [{ code, severity: 'error', line: 0, column: 0, message }]);
      this.deps.logger.warn({ label, path: change.path, status, code, reason: message }, 'hub refused the change');
    }
    if (outcome.revisions.length > 0) this.deps.logger.debug({ label, revisions: outcome.revisions, items: outcome.applied.length }, 'changeset committed');
  }

  private noteTaskFailure(err: unknown): void {
    this.lastError = err instanceof Error ? err.message : String(err);
    this.deps.logger.error({ err }, 'publisher flush failed');
    this.batcher.kick(backoffDelayMs(this.failures++, RETRY, this.deps.random ?? Math.random));
  }

  private noteFailure(label: string, err: unknown): void {
    this.lastError = err instanceof Error ? err.message : String(err);
    const delayMs = backoffDelayMs(this.failures, RETRY, this.deps.random ?? Math.random);
    this.failures += 1;
    this.retryAt = Date.now() + delayMs;
    if (err instanceof InternalError) {
      this.deps.metrics?.countHubError(err.code);
      if (!this.hubErrorLogged) this.deps.logger.error({ label, err, code: err.code, retryInMs: delayMs, pending: this.batcher.size }, 'hub error; changes kept pending and retried');
      this.hubErrorLogged = true;
      return;
    }
    const unreachable = err instanceof UnavailableError;
    this.deps.logger.warn({ label, err, retryInMs: delayMs, pending: this.batcher.size }, unreachable ? 'hub unreachable; changes kept pending' : 'push failed; will retry');
  }

  private holdBack(path: string, assessment: Assessment): void {
    if (assessment.kind === 'invalid') return this.reportInvalid(path, assessment.sha256, assessment.issues);
    if (assessment.kind !== 'incomplete') return;
    const previous = this.incomplete.get(path);
    const attempts = previous?.sha256 === assessment.sha256 ? previous.attempts + 1 : 0;
    if (attempts >= INCOMPLETE_GIVE_UP) {
      this.incomplete.delete(path);
      return this.reportInvalid(path, assessment.sha256, [{ code: 'ARTISYNC_INCOMPLETE', severity: 'error', line: 0, column: 0, message: 'file stays truncated' }]);
    }
    const delayMs = backoffDelayMs(attempts, INCOMPLETE_RETRY, () => 1);
    this.deps.logger.debug({ path, sha256: assessment.sha256, retryInMs: delayMs }, 'incomplete file: waiting for the rest');
    const timer = setTimeout(() => this.batcher.mark([path]), delayMs);
    this.incomplete.set(path, { timer, attempts, sha256: assessment.sha256 });
  }

  private reportInvalid(path: string, sha256: string, issues: FileIssue[]): void {
    if (!this.invalid.note(path, sha256, issues)) return;
    const issue = issues.find((candidate) => candidate.severity === 'error') ?? issues[0];
    this.deps.logger.warn({ path, line: issue?.line, column: issue?.column, code: issue?.code, reason: issue?.message }, 'invalid artifact not published');
  }
}
