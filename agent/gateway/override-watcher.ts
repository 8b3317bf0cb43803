// Watches a gateway-only node's trees: a file whose content is not what the gateway wrote is a hand edit (an override).
import { posix } from 'node:path';
import { hashFile } from './disk-scan.js';
import type { SyncedTree } from '../../core/artifact-path.js';
import type { BackgroundFailures } from '../background-failures.js';
import { FolderWatcher, type WatcherFs } from '../fs/folder-watcher.js';
import type { GatewayParts } from './gateway-context.js';
import { recordHandEdit, type HandEditParts } from './hand-edit-override.js';
import { makeFolderHere, type ReconcileParts } from './path-reconciler.js';
import { recogniseCarbonRestore, restoreDepsOf } from './carbon-restore.js';
import { isIgnoredFileName } from './ignored-name.js';

/** What watching for hand edits reads and updates. */
export type OverrideWatchParts = HandEditParts & ReconcileParts & Pick<GatewayParts, 'failures' | 'ownFiles' | 'queue'>;

const CHECKS_PER_TURN = 200;

/** A running override watcher. */
export interface OverrideWatch {
  /** Stops watching; checks not yet started are dropped (the next start compares disk and record anyway). */
  close(): void;
}

/** Starts watching both trees; events only mark paths dirty, each dirty path's content decides. */
export async function watchForOverrides(ctx: OverrideWatchParts): Promise<OverrideWatch> {
  for (const tree of ctx.settings.trees) await makeFolderHere(ctx, tree);
  const dirty = new Set<string>();
  let queued = false;
  let closed = false;
  const schedule = (): void => {
    if (closed || queued || dirty.size === 0) return;
    queued = true;
    // Queued behind the changeset in hand, so the check sees the applied record after that changeset.
    void ctx.queue.run(drain);
  };
  // A slice at a time, so the checks that follow a 10,000-file sync never hold up the next changeset for long.
  const drain = async (): Promise<void> => {
    queued = false;
    const paths = [...dirty].slice(0, CHECKS_PER_TURN);
    for (const path of paths) {
      if (closed) return;
      dirty.delete(path);
      await checkPath(ctx, path).catch((err: unknown) => ctx.logger.error({ err, path }, 'override check failed'));
    }
    schedule();
  };
  const watcher = handEditWatcher(ctx.settings, ctx.failures, (path) => {
    dirty.add(path);
    schedule();
  });
  await watcher.start();
  return {
    close: () => {
      closed = true;
      watcher.close();
    },
  };
}

/** The watcher of a gateway's trees: every folder but ignored ones, a new folder's files reported as paths. */
export function handEditWatcher(
  settings: { serverRoot: string; trees: readonly SyncedTree[] },
  failures: BackgroundFailures,
  onPath: (path: string) => void,
  fs?: WatcherFs,
): FolderWatcher {
  return new FolderWatcher({
    serverRoot: settings.serverRoot,
    folders: settings.trees,
    ignores: (path) => isIgnoredFileName(posix.basename(path)),
    onPath,
    failures,
    consequences: { unwatched: 'hand edits there are found when the gateway next writes or starts', unlisted: 'files in it are not watched for hand edits' },
    ...(fs === undefined ? {} : { fs }),
  });
}

/** Reads one path and holds it as an override when its content is not the gateway's own write. */
export async function checkPath(ctx: OverrideWatchParts, path: string): Promise<void> {
  if (ctx.ownFiles.unchanged(path, posix.join(ctx.settings.serverRoot, path))) return;
  const sha = await hashFile(ctx.settings.serverRoot, path);
  if (await recogniseCarbonRestore(restoreDepsOf(ctx), path, sha)) return;
  if (ctx.record.isOwn(path, sha) || (sha !== null && ctx.record.extras.get(path) === sha)) return;
  const recorded = ctx.record.get(path)?.sha256 ?? null;
  if (recorded === null && sha === null && !ctx.overrides.has(path)) return;
  await recordHandEdit(ctx, path, sha);
}
