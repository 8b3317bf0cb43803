// parseRedisUrl: every supported scheme becomes the right ioredis options, and bad URLs name redis_url.
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/errors.js';
import { parseRedisUrl } from '../../core/redis-url.js';

describe('parseRedisUrl', () => {
  it('reads a plain URL with db and credentials', () => {
    expect(parseRedisUrl('redis://127.0.0.1:6380/3')).toEqual({ kind: 'standalone', options: { host: '127.0.0.1', port: 6380, db: 3 } });
    expect(parseRedisUrl('redis://user:p%40ss@redis.local')).toEqual({
      kind: 'standalone', options: { host: 'redis.local', port: 6379, db: 0, username: 'user', password: 'p@ss' },
    });
    expect(parseRedisUrl('redis://:secret@h:1/0').options).toMatchObject({ password: 'secret' });
    expect(parseRedisUrl('redis://h?db=5&password=pw').options).toMatchObject({ db: 5, password: 'pw' });
  });

  it('turns on TLS for rediss://', () => {
    expect(parseRedisUrl('rediss://h:6390/1')).toEqual({ kind: 'standalone', options: { host: 'h', port: 6390, db: 1, tls: {} } });
  });

  it('reads Sentinel hosts, master name, db and passwords', () => {
    expect(parseRedisUrl('redis+sentinel://s1:26379,s2,[::1]:26380/mymaster?db=2&password=pw&sentinel_password=sp')).toEqual({
      kind: 'sentinel',
      options: {
        sentinels: [{ host: 's1', port: 26379 }, { host: 's2', port: 26379 }, { host: '::1', port: 26380 }],
        name: 'mymaster', db: 2, password: 'pw', sentinelPassword: 'sp',
      },
    });
  });

  it('reads Cluster seed nodes', () => {
    expect(parseRedisUrl('redis+cluster://a:7000,b:7001')).toEqual({
      kind: 'cluster', nodes: [{ host: 'a', port: 7000 }, { host: 'b', port: 7001 }], options: { redisOptions: {} },
    });
    expect(parseRedisUrl('rediss+cluster://:pw@a:7000').options).toEqual({ redisOptions: { password: 'pw', tls: {} } });
  });

  it.each([
    'http://h:1', 'redis://', 'redis://h:99999', 'redis://h/x', 'redis+sentinel://s1:26379', 'redis://a,b', 'redis+cluster://a:1/2', 'nonsense',
  ])('refuses %s with a ConfigError naming redis_url', (url) => {
    expect(() => parseRedisUrl(url)).toThrow(ConfigError);
    expect(() => parseRedisUrl(url)).toThrow(/redis_url/);
  });

  it('never shows the password in its message', () => {
    expect(() => parseRedisUrl('redis://u:topsecret@h:0')).toThrow(/^(?!.*topsecret)/);
  });
});
