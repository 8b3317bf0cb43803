// Paths a person changed, added or deleted by hand (or an operator undeployed): kept as they are until cleared.
import { JsonStateFile, type StateFs } from './json-state-file.js';

/** Why a path is held: a hand edit of some kind, or `artisync undeploy`. */
export type OverrideKind = 'changed' | 'added' | 'deleted' | 'undeployed';

/** One held path. */
export interface Override {
  path: string;
  kind: OverrideKind;
  /** Content on disk when last seen; null when the file is gone. */
  sha256: string | null;
  /** ms since the epoch when first seen. */
  since: number;
  /** Newest hub version recorded for the path while it was held (not written). */
  hubVersion?: number;
  hubLabel?: string;
}

/** The override list, persisted as state_dir/overrides.json. */
export class OverrideTracker {
  private constructor(
    private readonly file: JsonStateFile<Override[]>,
    private readonly held: Map<string, Override>,
  ) {}

  /** Loads state_dir/overrides.json (empty when absent). */
  static async load(fs: StateFs, stateDir: string): Promise<OverrideTracker> {
    const file = new JsonStateFile<Override[]>(fs, stateDir, 'overrides.json');
    const list = (await file.load()) ?? [];
    return new OverrideTracker(file, new Map(list.map((item) => [item.path, item])));
  }

  has(path: string): boolean {
    return this.held.has(path);
  }

  get(path: string): Override | undefined {
    return this.held.get(path);
  }

  /** Every held path, sorted. */
  list(): Override[] {
    return [...this.held.values()].sort((a, b) => a.path.localeCompare(b.path));
  }

  /** Holds a path (or updates what was seen); returns true when it was not held before. */
  hold(path: string, kind: OverrideKind, sha256: string | null, now: number): boolean {
    const known = this.held.get(path);
    if (known !== undefined) {
      this.held.set(path, { ...known, sha256, kind: known.kind === 'undeployed' && sha256 === null ? 'undeployed' : kindAfter(known.kind, kind) });
      return false;
    }
    this.held.set(path, { path, kind, sha256, since: now });
    return true;
  }

  /** Records a hub version that was not written because the path is held; true when it is newer than the one held. */
  recordHubVersion(path: string, label: string, version: number): boolean {
    const known = this.held.get(path);
    if (known === undefined || (known.hubVersion ?? 0) >= version) return false;
    this.held.set(path, { ...known, hubVersion: version, hubLabel: label });
    return true;
  }

  /** Releases one path; returns true when it was held. */
  clear(path: string): boolean {
    return this.held.delete(path);
  }

  /** Releases every path; returns the released paths. */
  clearAll(): string[] {
    const paths = [...this.held.keys()];
    this.held.clear();
    return paths;
  }

  /** Persists the list. */
  save(): Promise<void> {
    return this.file.save(this.list());
  }

  /** Waits for saves in flight. */
  flush(): Promise<void> {
    return this.file.flush();
  }
}

function kindAfter(previous: OverrideKind, seen: OverrideKind): OverrideKind {
  // A file added by hand stays "added" however often it is edited afterwards.
  return previous === 'added' && seen === 'changed' ? 'added' : seen;
}
