// Placeholder until the publisher lands: refuses to start.
import type { AgentRole, AgentRoleDeps } from '../agent-role.js';

/** Starts the publisher role. */
export function startPublisher(_deps: AgentRoleDeps): Promise<AgentRole> {
  return Promise.reject(new Error('the publisher role is not built yet'));
}
