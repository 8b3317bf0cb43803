// Parses a redis_url (plain, TLS, Sentinel or Cluster) into the option objects ioredis takes; pure, no connection made.
import { ConfigError } from './errors.js';

/** One Redis host and port. */
export interface RedisNodeAddress {
  host: string;
  port: number;
}

/** Credentials and TLS shared by every kind of connection. */
export interface RedisAuthOptions {
  username?: string;
  password?: string;
  /** Present (possibly empty) when the connection uses TLS. */
  tls?: Record<string, never>;
}

/** What ioredis needs, by kind: `new Redis(options)` for standalone and sentinel, `new Cluster(nodes, options)`. */
export type RedisConnectionSpec =
  | { kind: 'standalone'; options: RedisAuthOptions & RedisNodeAddress & { db: number } }
  | { kind: 'sentinel'; options: RedisAuthOptions & { sentinels: RedisNodeAddress[]; name: string; db: number; sentinelPassword?: string } }
  | { kind: 'cluster'; nodes: RedisNodeAddress[]; options: { redisOptions: RedisAuthOptions } };

const DEFAULT_PORT = 6379;
const DEFAULT_SENTINEL_PORT = 26379;
const URL_SHAPE = /^([a-z+]+):\/\/(?:([^@/]*)@)?([^/?#]*)(\/[^?#]*)?(?:\?([^#]*))?$/;

/** Parses redis://, rediss://, redis+sentinel://h:p,h:p/master and redis+cluster://h:p,h:p; throws ConfigError on anything else. */
export function parseRedisUrl(url: string): RedisConnectionSpec {
  const match = URL_SHAPE.exec(url.trim());
  const scheme = match?.[1];
  if (match === null || scheme === undefined) throw invalid(url, 'expected redis://host:port/db');
  const [, , userInfo, hostList = '', path = '', query = ''] = match;
  const params = new URLSearchParams(query);
  const auth = parseAuth(userInfo, params);
  const segments = path.split('/').filter((segment) => segment.length > 0).map(decodeURIComponent);
  switch (scheme) {
    case 'redis':
    case 'rediss': {
      const [node, ...more] = parseHosts(url, hostList, DEFAULT_PORT);
      if (node === undefined || more.length > 0) throw invalid(url, 'expected exactly one host');
      const tls = scheme === 'rediss' ? { tls: {} } : {};
      return { kind: 'standalone', options: { ...node, db: parseDb(url, params.get('db') ?? segments[0]), ...auth, ...tls } };
    }
    case 'redis+sentinel':
    case 'rediss+sentinel': {
      const name = segments[0];
      if (name === undefined) throw invalid(url, 'expected the master name after the sentinel hosts');
      const sentinelPassword = params.get('sentinel_password') ?? undefined;
      const tls = scheme === 'rediss+sentinel' ? { tls: {} } : {};
      return {
        kind: 'sentinel',
        options: { sentinels: parseHosts(url, hostList, DEFAULT_SENTINEL_PORT), name, db: parseDb(url, params.get('db') ?? segments[1]), ...auth, ...tls, ...(sentinelPassword === undefined ? {} : { sentinelPassword }) },
      };
    }
    case 'redis+cluster':
    case 'rediss+cluster': {
      if (segments.length > 0 && segments[0] !== '0') throw invalid(url, 'Redis Cluster has only database 0');
      const tls = scheme === 'rediss+cluster' ? { tls: {} } : {};
      return { kind: 'cluster', nodes: parseHosts(url, hostList, DEFAULT_PORT), options: { redisOptions: { ...auth, ...tls } } };
    }
    default:
      throw invalid(url, `unknown scheme ${scheme}://`);
  }
}

function parseAuth(userInfo: string | undefined, params: URLSearchParams): RedisAuthOptions {
  const auth: RedisAuthOptions = {};
  if (userInfo !== undefined && userInfo !== '') {
    const colon = userInfo.indexOf(':');
    const username = decodeURIComponent(colon < 0 ? userInfo : userInfo.slice(0, colon));
    if (colon >= 0) auth.password = decodeURIComponent(userInfo.slice(colon + 1));
    else auth.password = username;
    if (colon >= 0 && username !== '') auth.username = username;
  }
  const password = params.get('password');
  if (password !== null) auth.password = password;
  const username = params.get('username');
  if (username !== null) auth.username = username;
  return auth;
}

function parseHosts(url: string, hostList: string, defaultPort: number): RedisNodeAddress[] {
  if (hostList === '') throw invalid(url, 'expected at least one host');
  return hostList.split(',').map((entry) => {
    const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
    const plain = /^([^:]+)(?::(\d+))?$/.exec(entry);
    const found = bracketed ?? plain;
    if (found === null || found[1] === undefined) throw invalid(url, `cannot read host ${JSON.stringify(entry)}`);
    const port = found[2] === undefined ? defaultPort : Number(found[2]);
    if (!Number.isInteger(port) || port < 1 || port > 65_535) throw invalid(url, `port of ${JSON.stringify(entry)} is out of range`);
    return { host: found[1], port };
  });
}

function parseDb(url: string, raw: string | undefined): number {
  if (raw === undefined || raw === '') return 0;
  if (!/^\d+$/.test(raw)) throw invalid(url, `database ${JSON.stringify(raw)} is not a number`);
  return Number(raw);
}

function invalid(url: string, why: string): ConfigError {
  const shown = url.replace(/\/\/[^@/]*@/, '//***@');
  return new ConfigError('ARTISYNC_CONFIG_INVALID', `config key redis_url: ${why} (got ${shown})`, { subject: 'redis_url' });
}
