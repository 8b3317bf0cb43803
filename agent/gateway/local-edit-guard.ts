// Checks a file's content right before the gateway replaces it: a hand edit the watcher has not reported yet is never lost.
import { hashFile } from './disk-scan.js';
import type { GatewayParts } from './gateway-context.js';
import { winnerOf } from './label-precedence.js';
import { recordHandEdit, type HandEditParts } from './hand-edit-override.js';

/** What the check before a replace reads and updates. */
export type LocalEditParts = HandEditParts & Pick<GatewayParts, 'settings' | 'views'>;

/** What is on disk at `path` (sha256, null when absent), and whether someone other than the gateway left it there. */
export async function diskStateAt(ctx: LocalEditParts, path: string): Promise<{ sha256: string | null; handEdited: boolean }> {
  const sha256 = await hashFile(ctx.settings.serverRoot, path);
  if (ctx.record.get(path) === undefined) return { sha256, handEdited: sha256 !== null && ctx.record.extras.get(path) !== sha256 };
  // Carbon's restore after a refused version may be replaced by the next version like the gateway's own file.
  return { sha256, handEdited: !ctx.record.isOwn(path, sha256) && !ctx.deployFailures.explains(path, sha256, ctx.record) };
}

/**
 * Leaves a hand edit in place. On a gateway-only node it becomes an override (decided by content, not by which of
 * watcher and stream came first); on a publishing node the publisher will push it and the hub will order the edits.
 */
export async function deferToLocalEdit(ctx: LocalEditParts, path: string, sha256: string | null): Promise<void> {
  const desired = winnerOf(path, ctx.settings.labels, ctx.views);
  if (!ctx.settings.handEditsAreOverrides) {
    ctx.logger.warn({ path }, 'local edit not published yet: hub update left for the publisher to reconcile');
    return;
  }
  await recordHandEdit(ctx, path, sha256, desired);
}
