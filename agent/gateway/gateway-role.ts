// Placeholder until the gateway lands: refuses to start.
import type { AgentRole, AgentRoleDeps } from '../agent-role.js';

/** Starts the gateway role. */
export function startGateway(_deps: AgentRoleDeps): Promise<AgentRole> {
  return Promise.reject(new Error('the gateway role is not built yet'));
}
