// Finds the running agent's admin API for node-local commands: --admin URL, else admin_listen from --config (default file).
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { ConfigError } from '../core/errors.js';
import { readConfigFile } from './config-loader.js';
import { usageError } from './usage-error.js';

/** The agent config node-local commands read when given neither --admin nor --config. */
export const DEFAULT_AGENT_CONFIG = '/etc/artisync/agent.toml';
const DEFAULT_ADMIN_LISTEN = '127.0.0.1:7421';

/** Adds `--admin URL` and `--config FILE` to a node-local command. */
export function addAdminOptions(command: Command): Command {
  return command
    .option('--admin <url>', 'the agent admin API, e.g. http://127.0.0.1:7421 (default: admin_listen from --config, else http://127.0.0.1:7421)')
    .option('--config <file>', `agent.toml to read admin_listen from (default ${DEFAULT_AGENT_CONFIG})`);
}

function checkedAdminUrl(raw: string): string {
  const url = URL.canParse(raw) ? new URL(raw) : undefined;
  if (url?.protocol !== 'http:' && url?.protocol !== 'https:') {
    throw usageError(`--admin ${JSON.stringify(raw)} is not an http(s) URL (e.g. http://127.0.0.1:7421)`);
  }
  return raw;
}

/** The admin base URL from the options: --admin wins, then admin_listen of the config file, then the default address. */
export function resolveAdminUrl(options: { admin?: string; config?: string }): string {
  if (options.admin !== undefined) return checkedAdminUrl(options.admin);
  const file = options.config ?? DEFAULT_AGENT_CONFIG;
  if (options.config === undefined && !existsSync(file)) return `http://${DEFAULT_ADMIN_LISTEN}`;
  const listen = readConfigFile(file).admin_listen ?? DEFAULT_ADMIN_LISTEN;
  if (typeof listen !== 'string') {
    throw new ConfigError('ARTISYNC_CONFIG_INVALID', `config key admin_listen: expected host:port (config ${file})`, { subject: 'admin_listen' });
  }
  const host = listen.slice(0, listen.lastIndexOf(':'));
  const port = listen.slice(listen.lastIndexOf(':') + 1);
  // An agent listening on every address is still reached on loopback from the same node.
  const reachable = host === '0.0.0.0' || host === '' ? '127.0.0.1' : host === '::' ? '[::1]' : host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `http://${reachable}:${port}`;
}
