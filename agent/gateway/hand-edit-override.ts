// The one place a hand edit becomes an override: decides its kind, holds it, persists the list and updates the gauge.
import type { GatewayParts } from './gateway-context.js';
import type { DesiredArtifact } from './label-precedence.js';
import type { OverrideKind } from './override-tracker.js';

/** What holding an override reads and updates. */
export type HandEditParts = Pick<GatewayParts, 'clock' | 'deployFailures' | 'logger' | 'metrics' | 'overrides' | 'record'>;

/**
 * Holds `path` (content `sha256` now, null when gone) as an override: added, deleted or changed against what the
 * gateway last wrote there. Not persisted yet: see recordHandEdit and saveOverrides.
 */
export function holdHandEdit(ctx: HandEditParts, path: string, sha256: string | null, message = 'override: file changed by hand, hub updates held'): void {
  const recorded = ctx.record.get(path)?.sha256 ?? null;
  const kind: OverrideKind = recorded === null ? 'added' : sha256 === null ? 'deleted' : 'changed';
  if (ctx.overrides.hold(path, kind, sha256, ctx.clock())) ctx.logger.warn({ path, kind }, message);
}

/** Holds a hand edit seen live, notes the hub version it holds back (`desired`, if any), persists and updates the gauge. */
export async function recordHandEdit(ctx: HandEditParts, path: string, sha256: string | null, desired?: DesiredArtifact): Promise<void> {
  holdHandEdit(ctx, path, sha256);
  if (desired !== undefined) ctx.overrides.recordHubVersion(path, desired.label, desired.version);
  await saveOverrides(ctx);
}

/** Persists the override list and sets the overrides gauge to its length. */
export async function saveOverrides(ctx: Pick<GatewayParts, 'metrics' | 'overrides'>): Promise<void> {
  await ctx.overrides.save();
  ctx.metrics.setOverrides(ctx.overrides.list().length);
}
