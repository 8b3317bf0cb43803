// The periodic rescan: every rescan_interval the trees are listed and lstat'ed, and paths whose size, mtime or inode
// differ from what the publisher last read (or known paths now missing) are marked dirty. It finds the changes whose
// events the kernel dropped (an inotify queue overflow is silent in Node) without reading any unchanged file.
import type { Logger } from 'pino';
import { sameFingerprint, type FileFingerprint } from '../../core/file-fingerprint.js';
import { statTrees } from './tree-scanner.js';

/** What a rescan reads from the engine and how it reports. */
export interface PeriodicRescanDeps {
  serverRoot: string;
  isIgnoredPath: (relativePath: string) => boolean;
  intervalMs: number;
  logger: Logger;
  /** The fingerprints of what the engine last read, per path; entries of paths gone from disk are dropped by the rescan. */
  fingerprints: Map<string, FileFingerprint>;
  /** Paths some label's hub head holds. */
  knownPaths(): Iterable<string>;
  /** True when the engine has the path in hand already (dirty, waiting out a delete grace, or a held delete). */
  isInHand(path: string): boolean;
  onChanged(paths: string[]): void;
}

/** The outcome of one rescan round. */
export interface RescanRound {
  scanned: number;
  changed: string[];
  durationMs: number;
}

/** Compares the disk with the fingerprints at an interval. */
export class PeriodicRescan {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly deps: PeriodicRescanDeps) {}

  /** Starts the rounds; each round is scheduled when the previous one ends, so two never overlap. */
  start(): void {
    if (this.stopped || this.timer !== undefined) return;
    this.timer = setTimeout(() => void this.tick(), this.deps.intervalMs);
  }

  /** Stops the rounds. */
  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
  }

  /** Runs one round now: marks what changed and returns it. */
  async round(): Promise<RescanRound> {
    const started = performance.now();
    const onDisk = await statTrees(this.deps.serverRoot, this.deps.isIgnoredPath);
    const changed: string[] = [];
    for (const [path, fingerprint] of onDisk) {
      if (!sameFingerprint(this.deps.fingerprints.get(path), fingerprint) && !this.deps.isInHand(path)) changed.push(path);
    }
    for (const path of this.deps.fingerprints.keys()) if (!onDisk.has(path)) this.deps.fingerprints.delete(path);
    const missing = new Set<string>();
    for (const path of this.deps.knownPaths()) if (!onDisk.has(path) && !this.deps.isInHand(path)) missing.add(path);
    changed.push(...missing);
    if (changed.length > 0) this.deps.onChanged(changed);
    return { scanned: onDisk.size, changed, durationMs: performance.now() - started };
  }

  private async tick(): Promise<void> {
    try {
      const { scanned, changed, durationMs } = await this.round();
      // A change no event reported means events were lost: worth a warning, since it points at the inotify limits.
      if (changed.length > 0) {
        this.deps.logger.warn(
          { scanned, changed: changed.length, sample: changed.slice(0, 5), durationMs: Math.round(durationMs), sysctl: 'fs.inotify.max_queued_events' },
          'periodic rescan found changes no event reported; publishing them (if this repeats, raise fs.inotify.max_queued_events)',
        );
      }
    } catch (err) {
      this.deps.logger.error({ err, serverRoot: this.deps.serverRoot }, 'periodic rescan failed; trying again next interval');
    } finally {
      this.timer = undefined;
      this.start();
    }
  }
}
