// What the status page shows, read from the node registry and the store: nodes, and each label's recent changesets
// with a unified diff per file.
import type { ChangeEventItem } from '../../core/change-event.js';
import type { NodeStatus } from '../../core/hub-api.js';
import type { HubDeps } from '../hub-deps.js';
import { previousVersion, versionDiff } from '../version-diff.js';

/** Changesets shown per label. */
const CHANGESETS_PER_LABEL = 5;
/** Diff lines shown per file; the rest is cut with a note (the full diff is `artisync diff`). */
const MAX_DIFF_LINES = 200;

/** One file of a changeset and its diff from the version before. */
export interface ChangedFile extends ChangeEventItem {
  diff: string;
}

/** One changeset as the page lists it. */
export interface ChangesetView {
  revision: string;
  node: string;
  committedAt: number;
  files: ChangedFile[];
}

/** Everything the page renders. */
export interface StatusView {
  now: number;
  nodes: NodeStatus[];
  labels: Array<{ label: string; changesets: ChangesetView[] }>;
}

async function fileDiff(deps: Pick<HubDeps, 'store'>, label: string, item: ChangeEventItem): Promise<string> {
  try {
    const entries = await deps.store.history(label, item.path);
    const diff = await versionDiff(deps.store, label, item.path, entries, previousVersion(entries, item.version), item.version);
    const lines = diff.split('\n');
    return lines.length <= MAX_DIFF_LINES ? diff : `${lines.slice(0, MAX_DIFF_LINES).join('\n')}\n… ${lines.length - MAX_DIFF_LINES} more lines: artisync diff`;
  } catch (err) {
    // A version trimmed from history (history_limit) has no content left to compare.
    return `(no diff: ${(err as Error).message})`;
  }
}

/** Reads the nodes and every label's last changesets with their diffs. */
export async function readStatusView(deps: Pick<HubDeps, 'store' | 'nodes' | 'now'>): Promise<StatusView> {
  const nodes = await deps.nodes.listNodes();
  const labels = [];
  for (const label of await deps.store.labels()) {
    const changesets: ChangesetView[] = [];
    for (const { revision, event } of await deps.store.recentChangesets(label, CHANGESETS_PER_LABEL)) {
      const files = await Promise.all(event.items.map(async (item) => ({ ...item, diff: await fileDiff(deps, label, item) })));
      changesets.push({ revision, node: event.node, committedAt: event.committedAt, files });
    }
    labels.push({ label, changesets });
  }
  return { now: deps.now(), nodes, labels };
}
