// Startup sync of one label: compares the trees on disk with what was last pushed and the hub's heads, and plans puts and (guarded) deletes.
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

/** A head as the journal last knew it: the version this publisher pushed (0 when unknown) and its content. */
export interface PushedHead {
  version: number;
  sha256: string;
}

/** The three inputs of the comparison disk vs what this publisher last pushed vs the hub's head. */
export interface HubMovedOnInput {
  local: Manifest;
  lastPushed: ReadonlyMap<string, PushedHead>;
  heads: ReadonlyArray<{ path: string; version: number; sha256: string }>;
}

/**
 * Paths (→ hub version) whose file is unchanged since this publisher pushed it while the hub's head moved on to a
 * later version (a rollback, another publisher): pushing the file again would silently undo that change. A hub head
 * older than the push is a commit Redis lost, and is pushed again as before.
 */
export function keepHubHeads(input: HubMovedOnInput): Map<string, number> {
  const kept = new Map<string, number>();
  for (const head of input.heads) {
    const pushed = input.lastPushed.get(head.path);
    const onDisk = input.local.get(head.path);
    if (pushed === undefined || onDisk === undefined || pushed.version <= 0) continue;
    if (onDisk !== head.sha256 && onDisk === pushed.sha256 && head.version >= pushed.version) kept.set(head.path, head.version);
  }
  return kept;
}

/** The parts of the publisher engine a startup sync uses. */
export interface StartupSyncTarget {
  known: {
    get(label: string, path: string): PushedHead | undefined;
    set(label: string, path: string, head: PushedHead): void;
    replaceLabel(label: string, heads: Iterable<[string, PushedHead]>): void;
    pathsOf(label: string): string[];
  };
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

/**
 * Snapshots every label, scans the disk once and marks what differs dirty; run it inside the engine's `exclusive`.
 * Returns, per label, the paths the journal knew that are gone from the hub and the disk: deletes made while this
 * publisher was down, or committed just before it died without hearing the reply. Their versions are still unknown here.
 */
export async function runStartupSync(target: StartupSyncTarget, deps: StartupSyncDeps): Promise<Map<string, string[]>> {
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
  const deletedOnHub = new Map<string, string[]>();
  for (const { label, snapshot } of snapshots) {
    const remote = new Map(snapshot.artifacts.map((head) => [head.path, head.sha256]));
    const gone = target.known.pathsOf(label).filter((path) => !remote.has(path) && !present.has(path));
    if (gone.length > 0) deletedOnHub.set(label, gone);
    const lastPushed = new Map(snapshot.artifacts.flatMap((head) => {
      const known = target.known.get(label, head.path);
      return known === undefined ? [] : [[head.path, known] as const];
    }));
    target.known.replaceLabel(label, snapshot.artifacts.map((head) => [head.path, { version: head.version, sha256: head.sha256 }]));
    const hubMovedOn = keepHubHeads({ local, lastPushed, heads: snapshot.artifacts });
    for (const [path, version] of hubMovedOn) target.known.set(label, path, { version, sha256: local.get(path) ?? '' });
    if (hubMovedOn.size > 0) logHubMovedOn(deps, label, [...hubMovedOn.keys()]);
    const plan = planStartupSync({ local: withoutPaths(local, hubMovedOn), present, remote, massDeleteGuard: deps.massDeleteGuard });
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
  return deletedOnHub;
}

function withoutPaths(local: Manifest, skipped: ReadonlyMap<string, number>): Manifest {
  return skipped.size === 0 ? local : new Map([...local].filter(([path]) => !skipped.has(path)));
}

function logHubMovedOn(deps: StartupSyncDeps, label: string, paths: string[]): void {
  deps.logger.warn(
    { label, count: paths.length, paths: paths.slice(0, 20) },
    'the hub head changed since this publisher last pushed (a rollback or another publisher) and the file on disk did not; '
      + 'keeping the hub head, the next edit of the file publishes it again',
  );
}

function logRefusal(deps: StartupSyncDeps, label: string, deletes: number, artifacts: number): void {
  deps.logger.warn(
    { label, code: 'ARTISYNC_MASS_DELETE_REFUSED', deletes, artifacts, massDeleteGuard: deps.massDeleteGuard },
    `startup sync would delete ${deletes} of the ${artifacts} artifacts of label "${label}", more than mass_delete_guard = ${deps.massDeleteGuard} allows; `
      + 'no deletes were sent (changed and new files were). Check that the server root is the right, fully mounted folder; '
      + 'if the deletes are intended, restart the agent once with `--mass-delete-guard 1` (or ARTISYNC_MASS_DELETE_GUARD=1)',
  );
}
