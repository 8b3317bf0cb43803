// Manifests (path → sha256) and the plan that turns one into another: what a sync must put and delete.

/** What a side holds: artifact path → sha256 of its content. */
export type Manifest = ReadonlyMap<string, string>;

/** The puts and deletes that make `current` equal to `target`. */
export interface SyncPlan {
  /** Paths missing from current or holding other content. */
  put: string[];
  /** Paths current holds that target does not. */
  remove: string[];
}

/** Compares a current manifest with the target one; paths come out sorted. */
export function diffManifests(current: Manifest, target: Manifest): SyncPlan {
  const put: string[] = [];
  const remove: string[] = [];
  for (const [path, sha256] of target) if (current.get(path) !== sha256) put.push(path);
  for (const path of current.keys()) if (!target.has(path)) remove.push(path);
  return { put: put.sort(), remove: remove.sort() };
}
