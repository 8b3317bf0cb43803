// Agent settings that pass key by key but cannot work together; checked once at start, before anything is written.
import { posix } from 'node:path';
import type { AgentConfig } from './config-schema.js';
import { ConfigError } from './errors.js';

/** True when absolute `path` is `folder` itself or lies below it (string logic only: resolve symlinks first). */
export function isSameOrInside(path: string, folder: string): boolean {
  const inner = posix.normalize(path).replace(/\/+$/, '') || '/';
  const outer = posix.normalize(folder).replace(/\/+$/, '') || '/';
  return inner === outer || inner.startsWith(outer === '/' ? '/' : `${outer}/`);
}

/** Refuses roles that cannot run: none enabled, or a gateway with no label to read. */
export function checkAgentRoles(config: AgentConfig): void {
  if (!config.publisher.enabled && !config.gateway.enabled) {
    throw new ConfigError('ARTISYNC_CONFIG_INVALID', 'config keys publisher.enabled and gateway.enabled: enable at least one role', { subject: 'publisher.enabled' });
  }
  if (config.gateway.enabled && config.gateway.gateway_labels.length === 0) {
    throw new ConfigError('ARTISYNC_CONFIG_INVALID', 'config key gateway.gateway_labels: [gateway] enabled needs at least one label', { subject: 'gateway.gateway_labels' });
  }
}

/** The same folder written as given (made absolute) and with symlinks resolved, as the edge found it. */
export interface ResolvedFolder {
  absolute: string;
  real: string;
}

/**
 * Refuses a state_dir equal to or inside server_root in either form: a publisher would publish its own journal (and
 * a gateway's records would sit in the tree it syncs).
 */
export function checkStateDirPlacement(stateDir: ResolvedFolder, serverRoot: ResolvedFolder): void {
  const pairs: Array<[string, string]> = [[stateDir.absolute, serverRoot.absolute], [stateDir.real, serverRoot.real]];
  const clash = pairs.find(([state, root]) => isSameOrInside(state, root));
  if (clash === undefined) return;
  const [state, root] = clash;
  throw new ConfigError('ARTISYNC_CONFIG_INVALID', `config key state_dir: ${state} must not be server_root ${root} or inside it; put it outside, e.g. /var/lib/artisync`, { subject: 'state_dir' });
}
