// Finds commits of this publisher the hub lost (Redis restored from an older AOF, a failover to a lagging replica) and
// pushes them again: one digest request per label in the common case, versions and heads only on a mismatch.
import type { Logger } from 'pino';
import type { DigestReply, VersionsReply } from '../../core/hub-api.js';
import { digestOf } from '../../core/label-digest.js';
import { UnavailableError } from '../../core/errors.js';
import type { EchoFilter } from '../agent-role.js';
import type { HubHeadSeen, OwnPublisher } from '../own-publisher-link.js';
import type { PublisherHub } from './changeset-pusher.js';
import type { KnownHeads } from './known-heads.js';

/** The hub calls an audit makes. */
export interface AuditHub extends PublisherHub {
  digest(label: string): Promise<DigestReply>;
  versions(label: string): Promise<VersionsReply>;
}

/** The parts of the publisher engine an audit uses. */
export interface AuditTarget {
  known: KnownHeads;
  exclusive(task: () => Promise<void>): Promise<void>;
  notePaths(paths: string[]): void;
}

/** label → path → version of the deletes the hub confirmed to this publisher. */
export type DeleteVersions = Record<string, Record<string, number>>;

/** Where the confirmed delete versions outlive a restart (state_dir/published-deletes.json). */
export interface DeleteVersionsFile {
  load(): Promise<DeleteVersions | undefined>;
  save(value: DeleteVersions): Promise<void>;
}

/** What an audit needs. */
export interface HubAuditDeps {
  hub: AuditHub;
  labels: readonly string[];
  logger: Logger;
  intervalMs: number;
  /** Without it, a delete the hub loses after a restart of this publisher is not pushed again. */
  deletesFile?: DeleteVersionsFile;
}

// After a failed audit (hub or Redis away) the next try comes sooner than the interval, so a comeback is noticed.
const RETRY_CAP_MS = 5_000;
// Delete versions kept per label; the oldest go first (a delete lost that long ago is found by no audit anyway).
const MAX_DELETES_KEPT = 10_000;

/** Audits every label at an interval and after the hub comes back; also what the node's gateway asks to push again. */
export class HubAudit implements OwnPublisher {
  /** Per label, the version of each delete the hub confirmed (the known heads forget deleted paths). */
  private readonly deletes = new Map<string, Map<string, number>>();
  /** Paths being pushed again: the echo filter must not take them for the gateway's writes. */
  private readonly repushing = new Set<string>();
  /** Per label, a hub digest already audited with nothing lost; cleared by every commit of this publisher. */
  private readonly settled = new Map<string, string>();
  private readonly waiting: Array<[string, string, HubHeadSeen | undefined]> = [];
  private target: AuditTarget | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private hubAway = false;

  constructor(private readonly deps: HubAuditDeps) {}

  /** The hub as the engine should call it: answers are noted (delete versions, paths pushed back, the hub's return). */
  observe(hub: PublisherHub): PublisherHub {
    return {
      pushChangeset: async (label, changeset) => {
        const response = await this.watched(() => hub.pushChangeset(label, changeset));
        let deletesChanged = false;
        for (const item of response.results) {
          if (item.result === undefined || item.status >= 300) continue;
          this.repushing.delete(item.path);
          if (!item.result.unchanged) this.settled.delete(label);
          if (item.op === 'delete') {
            this.labelDeletes(label).set(item.path, item.result.version);
            deletesChanged = true;
          } else {
            deletesChanged = (this.deletes.get(label)?.delete(item.path) ?? false) || deletesChanged;
          }
        }
        if (deletesChanged) await this.saveDeletes(label);
        return response;
      },
      snapshot: (label) => this.watched(() => hub.snapshot(label)),
    };
  }

  /** Reads the delete versions a previous run of this publisher saved. */
  async loadDeletes(): Promise<void> {
    let stored: DeleteVersions | undefined;
    try {
      stored = await this.deps.deletesFile?.load();
    } catch (err) {
      // Only an aid to later audits, never the truth: a damaged file is reported and started over.
      this.deps.logger.error({ err, file: 'published-deletes.json' }, 'the confirmed delete versions cannot be read; starting without them');
    }
    for (const [label, paths] of Object.entries(stored ?? {})) this.deletes.set(label, new Map(Object.entries(paths)));
  }

  /**
   * Records the hub's delete versions of paths the startup sync found deleted on the hub and on disk, so a later loss
   * of those deletes is found like one this run confirmed. Only an aid to later audits: a failure is logged.
   */
  async learnDeletes(deleted: ReadonlyMap<string, readonly string[]>): Promise<void> {
    for (const [label, paths] of deleted) {
      try {
        const { versions } = await this.deps.hub.versions(label);
        const recorded = this.labelDeletes(label);
        for (const path of paths) if ((versions[path] ?? 0) > (recorded.get(path) ?? 0)) recorded.set(path, versions[path] ?? 0);
        await this.saveDeletes(label);
      } catch (err) {
        this.deps.logger.warn({ err, label, count: paths.length }, 'reading the versions of deletes made while this publisher was away failed; a later loss of them may go unnoticed');
      }
    }
  }

  /** The node's echo filter, except for paths being pushed again. */
  filterEchoes(inner: EchoFilter): EchoFilter {
    return { isOwnWrite: (path, sha256) => !this.repushing.has(path) && inner.isOwnWrite(path, sha256) };
  }

  /** Starts auditing the engine's known heads (after the startup sync read them from the hub). */
  start(target: AuditTarget): void {
    if (this.target !== undefined) return;
    this.target = target;
    for (const [label, path, head] of this.waiting.splice(0)) this.repush(label, path, head);
    this.timer = setInterval(() => void this.auditNow(), this.deps.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
  }

  /** Audits every label once (joining one in progress); failures are logged and retried soon. */
  auditNow(): Promise<void> {
    const target = this.target;
    if (target === undefined) return Promise.resolve();
    this.running ??= target.exclusive(async () => {
      for (const label of this.deps.labels) await this.auditLabel(target, label);
      this.hubAway = false;
    }).catch((err: unknown) => this.noteFailure(err)).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  confirmedVersion(label: string, path: string): number | undefined {
    const known = this.target?.known.get(label, path);
    if (known !== undefined && known.version > 0) return known.version;
    return this.deletes.get(label)?.get(path);
  }

  repush(label: string, path: string, head: HubHeadSeen | undefined): void {
    const target = this.target;
    if (target === undefined) {
      this.waiting.push([label, path, head]);
      return;
    }
    void target.exclusive(() => {
      this.takeHubHead(target, label, path, head);
      target.notePaths([path]);
      return Promise.resolve();
    });
  }

  private async auditLabel(target: AuditTarget, label: string): Promise<void> {
    const { digest } = await this.deps.hub.digest(label);
    const known = target.known.pathsOf(label).map((path): [string, string] => [path, target.known.get(label, path)?.sha256 ?? '']);
    if (digest === digestOf(known) || this.settled.get(label) === digest) return;
    const { versions } = await this.deps.hub.versions(label);
    const lost = this.lostPaths(target, label, versions);
    if (lost.length === 0) {
      this.settled.set(label, digest);
      return;
    }
    const heads = new Map((await this.deps.hub.snapshot(label)).artifacts.map((head) => [head.path, head]));
    for (const path of lost) this.takeHubHead(target, label, path, heads.get(path));
    this.deps.logger.warn({ label, count: lost.length, paths: lost.slice(0, 20) }, 'the hub lost commits this publisher had made; pushing the files again');
    target.notePaths(lost);
  }

  /** Paths whose hub version is below one the hub confirmed to this publisher: Redis lost that commit. */
  private lostPaths(target: AuditTarget, label: string, versions: Readonly<Record<string, number>>): string[] {
    const lost: string[] = [];
    for (const path of target.known.pathsOf(label)) {
      const version = target.known.get(label, path)?.version ?? 0;
      if (version > 0 && !target.known.isUncertain(label, path) && (versions[path] ?? 0) < version) lost.push(path);
    }
    for (const [path, version] of this.deletes.get(label) ?? []) {
      if (target.known.get(label, path) === undefined && (versions[path] ?? 0) < version) lost.push(path);
    }
    return lost;
  }

  /** Makes the known head what the hub holds, so the engine pushes the disk's state against it, echo or not. */
  private takeHubHead(target: AuditTarget, label: string, path: string, head: HubHeadSeen | undefined): void {
    if (head === undefined) target.known.remove(label, path);
    else target.known.set(label, path, { version: head.version, sha256: head.sha256 });
    this.deletes.get(label)?.delete(path);
    this.settled.delete(label);
    this.repushing.add(path);
  }

  private async saveDeletes(label: string): Promise<void> {
    const file = this.deps.deletesFile;
    if (file === undefined) return;
    const paths = this.labelDeletes(label);
    for (const path of paths.keys()) {
      if (paths.size <= MAX_DELETES_KEPT) break;
      paths.delete(path);
    }
    const value: DeleteVersions = {};
    for (const [name, versions] of this.deletes) value[name] = Object.fromEntries(versions);
    // The push itself succeeded: a failed save only narrows what a later audit can find, so it is logged, not thrown.
    await file.save(value).catch((err: unknown) => this.deps.logger.error({ err, file: 'published-deletes.json' }, 'saving the confirmed delete versions failed'));
  }

  private labelDeletes(label: string): Map<string, number> {
    let paths = this.deletes.get(label);
    if (paths === undefined) {
      paths = new Map();
      this.deletes.set(label, paths);
    }
    return paths;
  }

  private async watched<T>(call: () => Promise<T>): Promise<T> {
    try {
      const result = await call();
      if (this.hubAway) {
        this.hubAway = false;
        // Whatever Redis lost while the hub was away shows now; the audit waits for the flush in hand.
        setImmediate(() => void this.auditNow());
      }
      return result;
    } catch (err) {
      if (err instanceof UnavailableError) this.hubAway = true;
      throw err;
    }
  }

  private noteFailure(err: unknown): void {
    if (!this.hubAway) this.deps.logger.warn({ err }, 'hub audit failed; trying again soon');
    this.hubAway = true;
    setTimeout(() => void this.auditNow(), Math.min(this.deps.intervalMs, RETRY_CAP_MS)).unref();
  }
}
