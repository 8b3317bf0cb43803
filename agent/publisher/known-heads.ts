// What this publisher knows each label's hub head to be, per path: the baseVersion it sends and the sha it skips.

/** A head as the publisher last saw it. */
export interface KnownHead {
  version: number;
  sha256: string;
}

/**
 * Per (label, path) knowledge of the hub's heads; JSON-serialisable for the pending journal.
 * A path is *uncertain* when a change to it was sent without an answer: the hub holds either that change or the head
 * before it. Uncertainty is not journalled: a restart's startup sync reads every head from the hub again.
 */
export class KnownHeads {
  private readonly byLabel = new Map<string, Map<string, KnownHead>>();
  private readonly uncertainByLabel = new Map<string, Set<string>>();

  /** Rebuilds from the journal's form: label → path → [version, sha256]. */
  static fromJSON(raw: Record<string, Record<string, [number, string]>>): KnownHeads {
    const heads = new KnownHeads();
    for (const [label, paths] of Object.entries(raw)) {
      for (const [path, [version, sha256]] of Object.entries(paths)) heads.set(label, path, { version, sha256 });
    }
    return heads;
  }

  /** The head known for a path, or undefined when the label is not known to hold it. */
  get(label: string, path: string): KnownHead | undefined {
    return this.byLabel.get(label)?.get(path);
  }

  /** Records a head. */
  set(label: string, path: string, head: KnownHead): void {
    let paths = this.byLabel.get(label);
    if (paths === undefined) {
      paths = new Map();
      this.byLabel.set(label, paths);
    }
    paths.set(path, head);
  }

  /** Forgets a path's head, e.g. once its delete is committed; the version is kept elsewhere by the hub. */
  remove(label: string, path: string): void {
    this.byLabel.get(label)?.delete(path);
  }

  /** Replaces everything known about a label, e.g. from a snapshot; nothing about it is uncertain any more. */
  replaceLabel(label: string, heads: Iterable<[string, KnownHead]>): void {
    this.byLabel.set(label, new Map(heads));
    this.uncertainByLabel.delete(label);
  }

  /** Notes that a change to the path got no answer, so its head is either that change or the one known. */
  markUncertain(label: string, path: string): void {
    let paths = this.uncertainByLabel.get(label);
    if (paths === undefined) {
      paths = new Set();
      this.uncertainByLabel.set(label, paths);
    }
    paths.add(path);
  }

  /** True while the hub's answer to a change of the path is missing. */
  isUncertain(label: string, path: string): boolean {
    return this.uncertainByLabel.get(label)?.has(path) === true;
  }

  /** The hub answered a change of the path: what is known about it is exact again. */
  settleUncertain(label: string, path: string): void {
    this.uncertainByLabel.get(label)?.delete(path);
  }

  /** Paths the label is known to hold. */
  pathsOf(label: string): string[] {
    return [...(this.byLabel.get(label)?.keys() ?? [])];
  }

  /** The journal's form of this knowledge. */
  toJSON(): Record<string, Record<string, [number, string]>> {
    const out: Record<string, Record<string, [number, string]>> = {};
    for (const [label, paths] of this.byLabel) {
      const entries: Record<string, [number, string]> = {};
      for (const [path, head] of paths) entries[path] = [head.version, head.sha256];
      out[label] = entries;
    }
    return out;
  }
}
