// Composition root of `artisync agent`: config → logger → hub client → roles → signals.
import { readFileSync } from 'node:fs';
import { pino, type Logger } from 'pino';
import type { AgentConfig } from '../core/config-schema.js';
import { ConfigError } from '../core/errors.js';
import type { AgentRole, EchoFilter } from './agent-role.js';
import { HubClient } from './hub-client.js';
import { startGateway } from './gateway/gateway-role.js';
import { startPublisher } from './publisher/publisher-role.js';

/** Reads the agent's token from `token` or `token_file`; never logged. */
export function readAgentToken(config: AgentConfig): string | undefined {
  if (config.token !== undefined) return config.token;
  if (config.token_file === undefined) return undefined;
  try {
    return readFileSync(config.token_file, 'utf8').trim();
  } catch (err) {
    throw new ConfigError('ARTISYNC_CONFIG_INVALID', `config key token_file: cannot read ${config.token_file}: ${(err as Error).message}`, { subject: 'token_file', cause: err });
  }
}

/** Creates the agent's logger: JSON for journald, pretty on a terminal, secrets redacted. */
export function createAgentLogger(config: AgentConfig): Logger {
  const options = { level: config.log_level, base: { node: config.node_id }, redact: ['token', '*.token', 'headers.authorization'] };
  return process.stdout.isTTY ? pino({ ...options, transport: { target: 'pino-pretty' } }) : pino(options);
}

/** Runs the agent until SIGTERM or SIGINT; resolves with the exit status. */
export async function runAgent(config: AgentConfig): Promise<number> {
  if (!config.publisher.enabled && !config.gateway.enabled) {
    throw new ConfigError('ARTISYNC_CONFIG_INVALID', 'config keys publisher.enabled and gateway.enabled: enable at least one role', { subject: 'publisher.enabled' });
  }
  const logger = createAgentLogger(config);
  const hub = new HubClient({ hubUrl: config.hub_url, token: readAgentToken(config), node: config.node_id });
  const echoFilter: EchoFilter = { isOwnWrite: () => false };
  const roles: AgentRole[] = [];
  const deps = { config, logger, hub, echoFilter };
  if (config.gateway.enabled) roles.push(await startGateway(deps));
  if (config.publisher.enabled) roles.push(await startPublisher(deps));
  logger.info({ roles: roles.map((role) => role.name) }, 'agent started');
  await waitForSignal();
  logger.info('agent stopping');
  await Promise.all(roles.map((role) => role.stop()));
  logger.info('agent stopped');
  return 0;
}

function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGTERM', () => resolve());
    process.once('SIGINT', () => resolve());
  });
}
