// The runtime mass-deletion guard: when a label's deletes within a short window exceed mass_delete_guard of its
// artifacts (a folder renamed or unmounted, a script gone wrong), they are held until confirmed or until the files return.
import type { Logger } from 'pino';
import type { HeldDeletes } from '../../core/hub-api.js';

/** What the guard needs. */
export interface MassDeleteGuardDeps {
  /** Largest share of a label's artifacts that may be deleted within `windowMs` (1: the guard is off). */
  share: number;
  windowMs: number;
  logger: Logger;
  now: () => number;
}

/** A label's held deletes. */
interface Hold {
  paths: Set<string>;
  since: number;
  /** Artifacts the label had when the hold began, for the report. */
  artifacts: number;
}

/** Decides per label which deletes go out now and which are held. */
export class MassDeleteGuard {
  private readonly holds = new Map<string, Hold>();
  /** Per label, paths deleted and paths created within the window, with when. */
  private readonly sent = new Map<string, Map<string, number>>();
  private readonly created = new Map<string, Map<string, number>>();
  /** Per label, every delete let through within the window, however it was (sent again after the hub lost it). */
  private readonly passed = new Map<string, Map<string, number>>();
  private readonly confirmed = new Map<string, Set<string>>();

  constructor(private readonly deps: MassDeleteGuardDeps) {}

  /**
   * Of `paths` (deletes of `label`, which holds `artifacts` paths now), those to send; the rest join the label's hold.
   * `waiting` lists the label's other paths found missing and still in their delete grace: a folder moved away is seen
   * whole that way, although its deletes reach the guard a changeset at a time. Paths created within the window do
   * not count either way: `mv api api.old` creates api.old's files and deletes api's, and moving back undoes both.
   */
  admit(label: string, paths: string[], artifacts: number, waiting: Iterable<string>): string[] {
    if (this.deps.share >= 1) return paths;
    const confirmed = this.confirmed.get(label) ?? new Set<string>();
    const created = this.inWindow(this.created, label);
    const passed = this.inWindow(this.passed, label);
    // A delete let through once within the window (sent again after the hub lost it) is not judged twice.
    const admitted = paths.filter((path) => confirmed.delete(path) || created.has(path) || passed.has(path));
    const rest = paths.filter((path) => !admitted.includes(path));
    const total = artifacts - created.size + this.inWindow(this.sent, label).size;
    for (const path of admitted) {
      created.delete(path);
      stamp(passed, path, this.deps.now());
    }
    if (rest.length === 0) return admitted;
    const hold = this.holds.get(label);
    if (hold !== undefined) {
      for (const path of rest) hold.paths.add(path);
      return admitted;
    }
    const sent = this.inWindow(this.sent, label);
    let deleting = sent.size + rest.length;
    for (const path of waiting) if (!created.has(path) && !sent.has(path)) deleting += 1;
    if (deleting <= this.deps.share * total) {
      for (const path of rest) {
        stamp(sent, path, this.deps.now());
        stamp(passed, path, this.deps.now());
      }
      return [...admitted, ...rest];
    }
    this.holds.set(label, { paths: new Set(rest), since: this.deps.now(), artifacts: total });
    this.deps.logger.warn(
      { label, code: 'ARTISYNC_MASS_DELETE_REFUSED', count: rest.length, artifacts: total, share: deleting / total, massDeleteGuard: this.deps.share },
      `${deleting} of the ${total} artifacts of label "${label}" were deleted within ${this.deps.windowMs / 1000} s, more than mass_delete_guard = ${this.deps.share} allows; `
        + `${rest.length} deletes are held, not sent. Put the files back (e.g. undo the folder move) to drop the hold, `
        + `or run \`artisync deletes confirm ${label}\` on this node to send them`,
    );
    return admitted;
  }

  /** A put created `path` in `label` (it had no head): a delete of it within the window only undoes that. */
  noteCreated(label: string, path: string): void {
    stamp(this.inWindow(this.created, label), path, this.deps.now());
  }

  /** Holds deletes the startup sync refused (it logged them itself). */
  holdAtStartup(label: string, paths: string[], artifacts: number): void {
    if (paths.length === 0) this.holds.delete(label);
    else this.holds.set(label, { paths: new Set(paths), since: this.deps.now(), artifacts });
  }

  /** label → held paths, for the journal. */
  heldPaths(): Record<string, string[]> {
    return Object.fromEntries([...this.holds].map(([label, hold]) => [label, [...hold.paths]]));
  }

  /** True while a delete of `path` is held for `label`. */
  isHeld(label: string, path: string): boolean {
    return this.holds.get(label)?.paths.has(path) === true;
  }

  /** The path is on disk again: its delete is no longer held; a hold left empty is dropped. */
  returned(label: string, path: string): void {
    this.confirmed.get(label)?.delete(path);
    const hold = this.holds.get(label);
    if (hold === undefined || !hold.paths.delete(path) || hold.paths.size > 0) return;
    this.holds.delete(label);
    this.deps.logger.info({ label }, 'held deletes dropped: every file came back');
  }

  /** Releases a label's held deletes: they are admitted the next time they are seen; returns their paths. */
  confirm(label: string): string[] {
    const hold = this.holds.get(label);
    if (hold === undefined) return [];
    this.holds.delete(label);
    const confirmed = this.confirmed.get(label) ?? new Set<string>();
    for (const path of hold.paths) confirmed.add(path);
    this.confirmed.set(label, confirmed);
    this.deps.logger.warn({ label, count: hold.paths.size }, 'held deletes confirmed by an operator; sending them');
    return [...hold.paths].sort();
  }

  /** Every label's hold, for `deletes list` (with paths) and the heartbeat (without: a hold may be thousands). */
  report(withPaths: boolean): HeldDeletes[] {
    return [...this.holds].map(([label, hold]) => ({
      label, count: hold.paths.size, artifacts: hold.artifacts, since: hold.since, ...(withPaths ? { paths: [...hold.paths].sort() } : {}),
    }));
  }

  /** The label's entries of `byLabel` younger than the window (older ones are dropped). */
  private inWindow(byLabel: Map<string, Map<string, number>>, label: string): Map<string, number> {
    const since = this.deps.now() - this.deps.windowMs;
    let entries = byLabel.get(label);
    if (entries === undefined) {
      entries = new Map();
      byLabel.set(label, entries);
    }
    // Entries are kept oldest first (see stamp), so the expired ones are a prefix: a bulk of 10,000 creates costs
    // 10,000 steps, not the 50 million a full pass per call took.
    for (const [path, at] of entries) {
      if (at > since) break;
      entries.delete(path);
    }
    return entries;
  }
}

/** Records `path` at `now` as the newest entry, so that a map's order stays the order of its times. */
function stamp(entries: Map<string, number>, path: string, now: number): void {
  entries.delete(path);
  entries.set(path, now);
}
