// The Redis ACL of gateway agents, derived from the key layout: what README documents, `artisync up` and the tests use.
import { KEY_PREFIX } from './redis-keys.js';

/** The ACL user name gateway agents connect as. */
export const GATEWAY_ACL_USER = 'artisync-gateway';

/**
 * Commands a gateway sends: stream reads and its own consumer-group bookkeeping, reads of heads and blobs, and what
 * the Redis client needs to connect (ready check INFO, CLIENT SETNAME, and on Cluster the slot map and READONLY). No XINFO:
 * its cost grows with the number of groups. None of them can change artifact data.
 */
const GATEWAY_COMMANDS = [
  'xreadgroup', 'xack', 'xgroup|create', 'xgroup|setid', 'xgroup|createconsumer', 'xrevrange', 'xrange', 'xpending',
  'hgetall', 'hget', 'hlen', 'get', 'mget', 'multi', 'exec', 'ping', 'info', 'client|setname',
  'cluster|slots', 'cluster|nodes', 'readonly',
];

/** The key patterns a gateway may touch: every artisync key and nothing else. */
export function gatewayAclKeyPatterns(): string[] {
  return [`${KEY_PREFIX}*`];
}

/** The rules of `ACL SETUSER artisync-gateway …` for a password (the arguments after the user name). */
export function gatewayAclRules(password: string): string[] {
  return ['on', `>${password}`, 'resetkeys', ...gatewayAclKeyPatterns().map((pattern) => `~${pattern}`), 'resetchannels', '-@all', ...GATEWAY_COMMANDS.map((command) => `+${command}`)];
}

/** `url` (redis://host:port/db without credentials) with the gateway user and password in it. */
export function gatewayRedisUrl(url: string, password: string): string {
  const parsed = new URL(url);
  parsed.username = GATEWAY_ACL_USER;
  parsed.password = password;
  return parsed.toString();
}
