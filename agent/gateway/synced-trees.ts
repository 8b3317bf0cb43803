// Which paths this gateway materializes: only those in the trees its `trees` key names, whatever else a label carries.
import { treeOf, type SyncedTree } from '../../core/artifact-path.js';

/** True when `path` lies in one of `trees`. */
export function isInTrees(trees: readonly SyncedTree[], path: string): boolean {
  return treeOf(path, trees) !== undefined;
}

/** The entries of `desired` whose path lies in one of `trees` (a label may carry trees another node syncs). */
export function inTreesOnly<T>(trees: readonly SyncedTree[], desired: ReadonlyMap<string, T>): Map<string, T> {
  const kept = new Map<string, T>();
  for (const [path, value] of desired) if (isInTrees(trees, path)) kept.set(path, value);
  return kept;
}
