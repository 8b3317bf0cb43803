// Where the admin API listens: admin_listen split into host and port, refused off loopback unless admin_allow_remote.
import { ConfigError } from '../../core/errors.js';

/** A host and port to listen on. */
export interface ListenAddress {
  host: string;
  port: number;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost', '[::1]']);

/** Parses `host:port`; a non-loopback host needs `allowRemote` (guarantee 10 in docs/guarantees.md). */
export function parseAdminListen(value: string, allowRemote: boolean): ListenAddress {
  const at = value.lastIndexOf(':');
  const host = value.slice(0, at);
  const port = Number(value.slice(at + 1));
  if (at <= 0 || !Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new ConfigError('ARTISYNC_CONFIG_INVALID', `config key admin_listen: ${JSON.stringify(value)} is not host:port`, { subject: 'admin_listen' });
  }
  if (!LOOPBACK.has(host) && !allowRemote) {
    throw new ConfigError('ARTISYNC_CONFIG_INVALID', `config key admin_listen: ${host} is not loopback; set admin_allow_remote = true to allow it`, { subject: 'admin_listen' });
  }
  return { host: host.replace(/^\[|\]$/g, ''), port };
}
