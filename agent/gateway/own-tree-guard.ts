// On a node that publishes, keeps the gateway from writing hub content older than what this node published over the
// publisher's own files: the hub lost those commits (an older AOF, a failover), so the publisher pushes them again.
import type { OwnPublisher } from '../own-publisher-link.js';
import type { GatewayParts } from './gateway-context.js';
import type { DesiredArtifact } from './label-precedence.js';

/** What the own-publisher check reads. */
export type OwnTreeParts = Pick<GatewayParts, 'logger' | 'ownPublisher' | 'record' | 'redis'>;

/** The parts of a reconcile's planned work the guard looks at; it leaves out what it holds back. */
export interface GuardedWork<W extends { path: string; desired: DesiredArtifact }, R extends { path: string }> {
  writes: W[];
  removes: R[];
}

/**
 * Leaves out writes and removes whose hub version is below the version this node recorded or its publisher was
 * confirmed for the same label, and asks the publisher to push the disk's state again. Forced paths are never held.
 */
export async function leaveNewerToPublisher<W extends { path: string; desired: DesiredArtifact }, R extends { path: string }>(
  ctx: OwnTreeParts,
  work: GuardedWork<W, R>,
  force: ReadonlySet<string> | undefined,
): Promise<void> {
  const own = ctx.ownPublisher;
  if (own === undefined) return;
  const held = new Set<string>();
  for (const { path, desired } of work.writes) {
    if (force?.has(path) === true || !own.labels.has(desired.label) || !isBehind(ctx, own.publisher, desired.label, path, desired.version)) continue;
    held.add(path);
    own.publisher.repush(desired.label, path, { version: desired.version, sha256: desired.sha256 });
  }
  const removals = new Map<string, string[]>();
  for (const { path } of work.removes) {
    const label = ctx.record.get(path)?.label;
    if (label === undefined || force?.has(path) === true || !own.labels.has(label)) continue;
    removals.set(label, [...(removals.get(label) ?? []), path]);
  }
  for (const [label, paths] of removals) {
    // The hub keeps a deleted path's last version, so a legitimate delete by another node is never mistaken for a loss.
    const versions = await ctx.redis.lastVersions(label, paths);
    for (const path of paths) {
      if (!isBehind(ctx, own.publisher, label, path, versions.get(path) ?? 0)) continue;
      held.add(path);
      own.publisher.repush(label, path, undefined);
    }
  }
  if (held.size === 0) return;
  ctx.logger.warn({ count: held.size, paths: [...held].slice(0, 20) }, 'the hub went back behind what this node published; files kept, the publisher pushes them again');
  work.writes = work.writes.filter((item) => !held.has(item.path));
  work.removes = work.removes.filter((item) => !held.has(item.path));
}

function isBehind(ctx: OwnTreeParts, publisher: OwnPublisher, label: string, path: string, hubVersion: number): boolean {
  const recorded = ctx.record.get(path);
  const recordedVersion = recorded?.label === label ? recorded.version : 0;
  return Math.max(recordedVersion, publisher.confirmedVersion(label, path) ?? 0) > hubVersion;
}
