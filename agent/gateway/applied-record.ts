// What this node's gateway wrote: path → {label, version, sha256}; the truth for telling its own writes from a person's.
import { JsonStateFile, type StateFs } from './json-state-file.js';

/** One path as the gateway last left it; sha256 null means the gateway removed it. */
export interface AppliedEntry {
  label: string;
  version: number;
  sha256: string | null;
  /** Content before a changeset in flight: a crash between record and rename leaves either on disk, both ours. */
  priorSha256?: string | null;
}

interface AppliedDocument {
  entries: Record<string, AppliedEntry>;
  /** Files found at first start that the hub lacked: left in place, not overrides. path → sha256. */
  extras: Record<string, string>;
}

/** The applied record, persisted as state_dir/applied.json. */
export class AppliedRecord {
  private constructor(
    private readonly file: JsonStateFile<AppliedDocument>,
    private readonly entries: Map<string, AppliedEntry>,
    readonly extras: Map<string, string>,
    /** False on a first start (no record saved yet): the hub is the truth. */
    public existed: boolean,
  ) {}

  /** Loads state_dir/applied.json, or starts an empty record when there is none. */
  static async load(fs: StateFs, stateDir: string): Promise<AppliedRecord> {
    const file = new JsonStateFile<AppliedDocument>(fs, stateDir, 'applied.json');
    const doc = await file.load();
    return new AppliedRecord(file, new Map(Object.entries(doc?.entries ?? {})), new Map(Object.entries(doc?.extras ?? {})), doc !== undefined);
  }

  get(path: string): AppliedEntry | undefined {
    return this.entries.get(path);
  }

  /** Records what a changeset is about to leave at `path`, remembering the current content as prior. */
  stage(path: string, label: string, version: number, sha256: string | null): void {
    const current = this.entries.get(path);
    this.entries.set(path, { label, version, sha256, priorSha256: current?.sha256 ?? null });
  }

  /** Sets an entry with no prior (the disk already holds it). */
  set(path: string, entry: AppliedEntry): void {
    this.entries.set(path, { label: entry.label, version: entry.version, sha256: entry.sha256 });
  }

  /** Forgets the prior content of every entry once a changeset is on disk. */
  commit(paths: Iterable<string>): void {
    for (const path of paths) {
      const entry = this.entries.get(path);
      if (entry !== undefined) this.entries.set(path, { label: entry.label, version: entry.version, sha256: entry.sha256 });
    }
  }

  /** True when `sha256` (null: no file) is what the gateway wrote (or was about to replace) at `path`. */
  isOwn(path: string, sha256: string | null): boolean {
    const entry = this.entries.get(path);
    if (entry === undefined) return false;
    return entry.sha256 === sha256 || (entry.priorSha256 !== undefined && entry.priorSha256 === sha256);
  }

  /** Every path with an entry, live or removed. */
  paths(): string[] {
    return [...this.entries.keys()];
  }

  /** Live entries (the gateway's files) of one label, path → sha256. */
  liveOf(label: string): Map<string, string> {
    const live = new Map<string, string>();
    for (const [path, entry] of this.entries) if (entry.label === label && entry.sha256 !== null) live.set(path, entry.sha256);
    return live;
  }

  /** Persists the record now. */
  save(): Promise<void> {
    this.existed = true;
    return this.file.save(this.toDocument());
  }

  /** Persists the record shortly (coalesced). */
  saveSoon(): void {
    this.file.saveSoon(() => this.toDocument());
  }

  /** Writes any coalesced save. */
  flush(): Promise<void> {
    return this.file.flush();
  }

  private toDocument(): AppliedDocument {
    return { entries: Object.fromEntries(this.entries), extras: Object.fromEntries(this.extras) };
  }
}
