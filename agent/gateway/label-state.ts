// What a gateway reports per label: applied and head revisions, pending entries, failing applies and a verdict.
import type { GatewayLabelFailure, GatewayLabelState } from '../../core/hub-api.js';
import type { GatewayParts } from './gateway-context.js';
import type { LabelPosition } from './gateway-redis.js';
import { winnerOf } from './label-precedence.js';
import { compareStreamIds } from './stream-id.js';

/** What the label status reads. */
export type LabelStateParts = Pick<GatewayParts, 'appliedRevision' | 'failed' | 'record' | 'settings' | 'views'>;

/** Failing paths named in a report; the count says how many there are in all. */
const FAILED_PATHS_SHOWN = 5;

/**
 * The state of `label` from what the gateway already knows: `position` from its last look at Redis (undefined before
 * the first), `syncError` when the sync loop's last attempt failed, and `verification`, the last drift check's verdict.
 */
export function labelStateOf(
  ctx: LabelStateParts,
  label: string,
  position: LabelPosition | undefined,
  syncError: string | undefined,
  verification?: GatewayLabelState['verification'],
): GatewayLabelState {
  const appliedRevision = ctx.appliedRevision.get(label) ?? '0-0';
  const pendingEntries = position?.pending ?? 0;
  const behind = position !== undefined && compareStreamIds(position.headRevision, appliedRevision) > 0;
  const failing = failuresOf(ctx, label, syncError);
  const state: GatewayLabelState = {
    appliedRevision,
    lag: behind ? Math.max(pendingEntries, 1) : 0,
    pendingEntries,
    state: failing !== undefined ? 'failing' : behind ? 'behind' : verification === 'not-compared' ? 'not-compared' : 'ok',
  };
  if (verification !== undefined) state.verification = verification;
  if (position !== undefined) state.headRevision = position.headRevision;
  if (failing !== undefined) state.failing = failing;
  return state;
}

/** Paths of `label` whose last write failed; a path no label claims counts for every label. */
function failuresOf(ctx: LabelStateParts, label: string, syncError: string | undefined): GatewayLabelFailure | undefined {
  const paths: string[] = [];
  let reason: string | undefined;
  for (const [path, why] of ctx.failed) {
    const owner = ctx.record.get(path)?.label ?? winnerOf(path, ctx.settings.labels, ctx.views)?.label;
    if (owner !== undefined && owner !== label) continue;
    paths.push(path);
    reason = why;
  }
  if (paths.length === 0 && syncError === undefined) return undefined;
  paths.sort();
  return { count: paths.length, paths: paths.slice(0, FAILED_PATHS_SHOWN), reason: reason ?? syncError ?? 'unknown' };
}
