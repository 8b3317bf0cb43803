// What this node's gateway wrote: path → {label, version, sha256}; the truth for telling its own writes from a person's.
import type { BackgroundFailures } from '../background-failures.js';
import { JsonStateFile, type StateFs } from './json-state-file.js';

const SAVE_JOB = 'applied-record-save';

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

/**
 * The applied record, persisted as state_dir/applied.json (everything, rewritten now and then) plus
 * state_dir/applied-journal.json (only the entries changed since, rewritten before every rename), so a changeset
 * never waits for the whole record to be written.
 */
export class AppliedRecord {
  private readonly unsaved = new Map<string, AppliedEntry>();
  private chain: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private failures: BackgroundFailures | undefined;

  private constructor(
    private readonly file: JsonStateFile<AppliedDocument>,
    private readonly journal: JsonStateFile<Record<string, AppliedEntry>>,
    private readonly entries: Map<string, AppliedEntry>,
    readonly extras: Map<string, string>,
    /** False on a first start (no record saved yet): the hub is the truth. */
    public existed: boolean,
  ) {}

  /** Loads the record and replays its journal over it; empty when neither exists. */
  static async load(fs: StateFs, stateDir: string): Promise<AppliedRecord> {
    const file = new JsonStateFile<AppliedDocument>(fs, stateDir, 'applied.json');
    const journal = new JsonStateFile<Record<string, AppliedEntry>>(fs, stateDir, 'applied-journal.json');
    const doc = await file.load();
    const entries = new Map(Object.entries(doc?.entries ?? {}));
    const newer = (await journal.load()) ?? {};
    const record = new AppliedRecord(file, journal, entries, new Map(Object.entries(doc?.extras ?? {})), doc !== undefined);
    for (const [path, entry] of Object.entries(newer)) record.put(path, entry);
    return record;
  }

  get(path: string): AppliedEntry | undefined {
    return this.entries.get(path);
  }

  /** Records what a changeset is about to leave at `path`, remembering the current content as prior. */
  stage(path: string, label: string, version: number, sha256: string | null): void {
    const current = this.entries.get(path);
    this.put(path, { label, version, sha256, priorSha256: current?.sha256 ?? null });
  }

  /** Puts back the entry `stage` replaced (undefined: there was none), for a path whose rename was called off. */
  unstage(path: string, previous: AppliedEntry | undefined): void {
    if (previous !== undefined) {
      this.put(path, previous);
      return;
    }
    // A crash before the next save replays the staged entry; the person's file matches neither its content nor its prior.
    this.entries.delete(path);
    this.unsaved.delete(path);
  }

  /** Sets an entry with no prior (the disk already holds it). */
  set(path: string, entry: AppliedEntry): void {
    const known = this.entries.get(path);
    if (known !== undefined && known.label === entry.label && known.version === entry.version && known.sha256 === entry.sha256 && known.priorSha256 === undefined) return;
    this.put(path, { label: entry.label, version: entry.version, sha256: entry.sha256 });
  }

  /** Forgets the prior content of every entry once a changeset is on disk. */
  commit(paths: Iterable<string>): void {
    for (const path of paths) {
      const entry = this.entries.get(path);
      if (entry !== undefined) this.put(path, { label: entry.label, version: entry.version, sha256: entry.sha256 });
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

  /** Persists what changed since the last full save (small): call before renaming a changeset into place. */
  saveIntent(): Promise<void> {
    return this.enqueue(() => this.journal.save(Object.fromEntries(this.unsaved)));
  }

  /** Persists the whole record now and empties the journal of what it now holds. */
  save(): Promise<void> {
    this.cancelSoon();
    this.existed = true;
    return this.enqueue(async () => {
      const included = new Map(this.unsaved);
      await this.file.save({ entries: Object.fromEntries(this.entries), extras: Object.fromEntries(this.extras) });
      for (const [path, entry] of included) if (this.unsaved.get(path) === entry) this.unsaved.delete(path);
      await this.journal.save(Object.fromEntries(this.unsaved));
    });
  }

  /** Where a failed background save is reported (no one waits for it, so it would otherwise go unseen). */
  reportFailuresTo(failures: BackgroundFailures): void {
    this.failures = failures;
  }

  /** Persists the whole record within `delayMs`, coalescing calls. */
  saveSoon(delayMs = 1_000): void {
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.save().then(
        () => this.failures?.ok(SAVE_JOB, 'applied.json'),
        // Kept in memory and tried again with the next save; the journal still holds every change since the last one.
        (err: unknown) => this.failures?.fail(SAVE_JOB, 'applied.json', err, 'cannot save applied.json; will try again with the next change'),
      );
    }, delayMs);
    this.timer.unref();
  }

  /** Writes the whole record if anything changed, and waits for every write. */
  async flush(): Promise<void> {
    if (this.unsaved.size > 0 || this.timer !== undefined) await this.save();
    await this.chain;
  }

  private put(path: string, entry: AppliedEntry): void {
    this.entries.set(path, entry);
    this.unsaved.set(path, entry);
  }

  private enqueue(write: () => Promise<void>): Promise<void> {
    const next = this.chain.then(write);
    this.chain = next.catch(() => undefined);
    return next;
  }

  private cancelSoon(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
