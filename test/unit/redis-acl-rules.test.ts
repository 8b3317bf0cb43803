// The gateway ACL README documents is the one core/redis-acl.ts builds (and so the one `up` and the e2e tests use).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GATEWAY_ACL_USER, gatewayAclRules, gatewayRedisUrl } from '../../core/redis-acl.js';

describe('the gateway Redis ACL', () => {
  it('is the README line, with its placeholder password', () => {
    const readme = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');
    const line = readme.split('\n').find((text) => text.startsWith('ACL SETUSER '));
    expect(line?.trim()).toBe(`ACL SETUSER ${GATEWAY_ACL_USER} ${gatewayAclRules('CHANGE-ME').join(' ')}`);
  });

  it('puts the user and password into a redis URL', () => {
    expect(gatewayRedisUrl('redis://127.0.0.1:6380/0', 'p@ss')).toBe('redis://artisync-gateway:p%40ss@127.0.0.1:6380/0');
  });
});
