// Which label's version of a path a gateway materializes: the earliest label in gateway_labels that holds it.
import { digestOf, digestTerm, xorDigest } from '../../core/label-digest.js';

/** One label's state of a path as this node knows it; sha256 null is a delete (kept so older events never resurrect it). */
export interface LabelHead {
  version: number;
  sha256: string | null;
  size: number;
}

/** Per label, path → head; mutable, owned by the gateway. */
export type LabelViews = Map<string, Map<string, LabelHead>>;

/** The version of a path the gateway should have on disk, and the label it comes from. */
export interface DesiredArtifact {
  label: string;
  version: number;
  sha256: string;
  size: number;
}

/** The winning live head of `path`: the first label in `labels` whose view holds it; undefined when none does. */
export function winnerOf(path: string, labels: readonly string[], views: LabelViews): DesiredArtifact | undefined {
  for (const label of labels) {
    const head = views.get(label)?.get(path);
    if (head !== undefined && head.sha256 !== null) return { label, version: head.version, sha256: head.sha256, size: head.size };
  }
  return undefined;
}

/** Every path any label holds live, mapped to its winner. */
export function desiredState(labels: readonly string[], views: LabelViews): Map<string, DesiredArtifact> {
  const desired = new Map<string, DesiredArtifact>();
  for (const label of labels) {
    for (const [path, head] of views.get(label) ?? []) {
      if (head.sha256 !== null && !desired.has(path)) desired.set(path, { label, version: head.version, sha256: head.sha256, size: head.size });
    }
  }
  return desired;
}

// Each view's digest once computed, then kept up to date by applyToView (the only place a view changes after it is built),
// so a drift check costs one comparison instead of a hash per artifact.
const cachedDigests = new WeakMap<Map<string, LabelHead>, string>();

/**
 * Applies one event item to a label's view unless it is not newer than what the view holds (never regress).
 * Returns true when the view changed.
 */
export function applyToView(view: Map<string, LabelHead>, path: string, head: LabelHead): boolean {
  const known = view.get(path);
  if (known !== undefined && known.version >= head.version) return false;
  view.set(path, head);
  const digest = cachedDigests.get(view);
  if (digest === undefined || known?.sha256 === head.sha256) return true;
  const without = known === undefined || known.sha256 === null ? digest : xorDigest(digest, digestTerm(path, known.sha256));
  cachedDigests.set(view, head.sha256 === null ? without : xorDigest(without, digestTerm(path, head.sha256)));
  return true;
}

/** The digest of a label view's live heads, comparable with the hub's digest key. */
export function viewDigest(view: ReadonlyMap<string, LabelHead>): string {
  const cached = cachedDigests.get(view as Map<string, LabelHead>);
  if (cached !== undefined) return cached;
  const live: Array<[string, string]> = [];
  for (const [path, head] of view) if (head.sha256 !== null) live.push([path, head.sha256]);
  const digest = digestOf(live);
  cachedDigests.set(view as Map<string, LabelHead>, digest);
  return digest;
}
