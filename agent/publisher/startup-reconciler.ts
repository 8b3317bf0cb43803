// Startup sync of one label: compares the trees on disk with the hub's heads and plans puts and (guarded) deletes.
import type { Logger } from 'pino';
import { mapBounded } from '../../core/bounded-concurrency.js';
import { diffManifests, type Manifest } from '../../core/manifest.js';
import type { PublisherHub } from './changeset-pusher.js';
import { scanTrees } from './tree-scanner.js';

// Files are read a slice at a time: fast on a big tree without running out of file descriptors.
const READ_CONCURRENCY = 32;

/** Inputs of a startup plan. */
export interface StartupSyncInput {
  /** Valid, complete files on disk: path → sha256. */
  local: Manifest;
  /** Every path present on disk, valid or not (an invalid or half-written file is not a delete). */
  present: ReadonlySet<string>;
  /** The label's heads on the hub: path → sha256. */
  remote: Manifest;
  /** Largest share of the label's artifacts one startup sync may delete. */
  massDeleteGuard: number;
}

/** What the startup sync sends, and the deletes the guard held back. */
export interface StartupSyncPlan {
  put: string[];
  remove: string[];
  /** Deletes refused by the mass-deletion guard (all of them, when the guard trips). */
  refusedRemove: string[];
}

/** Plans a label's startup sync; when deletes exceed the guard's share none are sent, puts go anyway. */
export function planStartupSync(input: StartupSyncInput): StartupSyncPlan {
  const plan = diffManifests(input.remote, input.local);
  const remove = plan.remove.filter((path) => !input.present.has(path));
  const allowed = input.massDeleteGuard * input.remote.size;
  if (remove.length > 0 && remove.length > allowed) return { put: plan.put, remove: [], refusedRemove: remove };
  return { put: plan.put, remove, refusedRemove: [] };
}

/** The parts of the publisher engine a startup sync uses. */
export interface StartupSyncTarget {
  known: { replaceLabel(label: string, heads: Iterable<[string, { version: number; sha256: string }]>): void };
  guard: { holdAtStartup(label: string, paths: string[], artifacts: number): void; heldPaths(): Record<string, string[]> };
  assess(path: string): Promise<{ kind: string; sha256?: string }>;
  notePaths(paths: string[]): void;
}

/** Where and how a startup sync runs. */
export interface StartupSyncDeps {
  hub: PublisherHub;
  labels: string[];
  serverRoot: string;
  isIgnoredPath: (relativePath: string) => boolean;
  massDeleteGuard: number;
  logger: Logger;
}

/** Snapshots every label, scans the disk once and marks what differs dirty; run it inside the engine's `exclusive`. */
export async function runStartupSync(target: StartupSyncTarget, deps: StartupSyncDeps): Promise<void> {
  const snapshots = await Promise.all(deps.labels.map(async (label) => ({ label, snapshot: await deps.hub.snapshot(label) })));
  const presentList = await scanTrees(deps.serverRoot, deps.isIgnoredPath);
  const local = new Map<string, string>();
  const unsettled: string[] = [];
  // A bounded number of reads at a time, so thousands of files never run the process out of file descriptors.
  const assessed = await mapBounded(presentList, READ_CONCURRENCY, async (path) => ({ path, assessment: await target.assess(path) }));
  for (const { path, assessment } of assessed) {
    if (assessment.kind === 'put' && assessment.sha256 !== undefined) local.set(path, assessment.sha256);
    else unsettled.push(path);
  }
  const present = new Set(presentList);
  const dirty = new Set(unsettled);
  for (const { label, snapshot } of snapshots) {
    target.known.replaceLabel(label, snapshot.artifacts.map((head) => [head.path, { version: head.version, sha256: head.sha256 }]));
    const remote = new Map(snapshot.artifacts.map((head) => [head.path, head.sha256]));
    const plan = planStartupSync({ local, present, remote, massDeleteGuard: deps.massDeleteGuard });
    // Deletes held before the restart stay held while their files are still missing: a restart is no confirmation
    // (a restart with the guard off, `--mass-delete-guard 1`, is).
    const heldBefore = deps.massDeleteGuard >= 1 ? [] : target.guard.heldPaths()[label] ?? [];
    const stillHeld = heldBefore.filter((path) => !present.has(path) && remote.has(path));
    const held = new Set([...plan.refusedRemove, ...stillHeld]);
    target.guard.holdAtStartup(label, [...held], remote.size);
    if (plan.refusedRemove.length > 0) logRefusal(deps, label, plan.refusedRemove.length, remote.size);
    for (const path of [...plan.put, ...plan.remove.filter((path) => !held.has(path))]) dirty.add(path);
    deps.logger.info({ label, put: plan.put.length, remove: plan.remove.length, onDisk: local.size, onHub: remote.size }, 'startup sync planned');
  }
  target.notePaths([...dirty]);
}

function logRefusal(deps: StartupSyncDeps, label: string, deletes: number, artifacts: number): void {
  deps.logger.warn(
    { label, code: 'ARTISYNC_MASS_DELETE_REFUSED', deletes, artifacts, massDeleteGuard: deps.massDeleteGuard },
    `startup sync would delete ${deletes} of the ${artifacts} artifacts of label "${label}", more than mass_delete_guard = ${deps.massDeleteGuard} allows; `
      + 'no deletes were sent (changed and new files were). Check that the server root is the right, fully mounted folder; '
      + 'if the deletes are intended, restart the agent once with `--mass-delete-guard 1` (or ARTISYNC_MASS_DELETE_GUARD=1)',
  );
}
