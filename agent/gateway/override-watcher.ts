// Watches a gateway-only node's trees: a file whose content is not what the gateway wrote is a hand edit (an override).
import { mkdir } from 'node:fs/promises';
import { basename, posix } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import { SYNCED_TREES } from '../../core/artifact-path.js';
import { hashFile } from './disk-scan.js';
import type { GatewayContext } from './gateway-context.js';
import { isIgnoredFileName } from './ignored-name.js';
import type { OverrideKind } from './override-tracker.js';

/** Starts watching both trees; events are hints, the file's content decides. Resolves once the watcher is ready. */
export async function watchForOverrides(ctx: GatewayContext): Promise<FSWatcher> {
  const root = posix.resolve(ctx.settings.serverRoot);
  const folders = SYNCED_TREES.map((tree) => posix.join(root, tree));
  for (const folder of folders) await mkdir(folder, { recursive: true });
  const watcher = watch(folders, {
    ignoreInitial: true,
    ignored: (path: string) => isIgnoredFileName(basename(path)),
  });
  const onEvent = (absolute: string): void => {
    const path = posix.relative(root, absolute);
    void ctx.queue.run(() => checkPath(ctx, path)).catch((err: unknown) => ctx.logger.error({ err, path }, 'override check failed'));
  };
  watcher.on('add', onEvent).on('change', onEvent).on('unlink', onEvent);
  watcher.on('error', (err) => ctx.logger.error({ err }, 'watcher error'));
  await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  return watcher;
}

/** Reads one path and holds it as an override when its content is not the gateway's own write. */
export async function checkPath(ctx: GatewayContext, path: string): Promise<void> {
  const sha = await hashFile(ctx.settings.serverRoot, path);
  if (ctx.record.isOwn(path, sha) || (sha !== null && ctx.record.extras.get(path) === sha)) return;
  const recorded = ctx.record.get(path)?.sha256 ?? null;
  if (recorded === null && sha === null && !ctx.overrides.has(path)) return;
  const kind: OverrideKind = recorded === null ? 'added' : sha === null ? 'deleted' : 'changed';
  if (ctx.overrides.hold(path, kind, sha, ctx.clock())) ctx.logger.warn({ path, kind }, 'override: file changed by hand, hub updates held');
  await ctx.overrides.save();
  ctx.metrics.setOverrides(ctx.overrides.list().length);
}
