// The gateway's Redis failures leave GatewayRedis typed (redis/redis-errors.ts), naming the operation and the label.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayRedis } from '../../agent/gateway/gateway-redis.js';
import { ArtisyncError } from '../../core/errors.js';
import { redisKeys } from '../../core/redis-keys.js';
import { TestRedis } from '../support/redis-server.js';

let redis: TestRedis;
let gateway: GatewayRedis;

beforeAll(async () => {
  redis = await TestRedis.start();
  gateway = new GatewayRedis(redis.url, { onReady: () => undefined, onError: () => undefined });
});

afterAll(async () => {
  gateway.close();
  await redis.stop();
});

describe('gateway Redis errors', () => {
  it('maps a reply error to ARTISYNC_INTERNAL naming the operation and the label', async () => {
    const client = redis.client();
    await client.set(redisKeys.heads('wrong type'), 'not a hash');
    client.disconnect();
    const failure = await gateway.snapshot('wrong type').catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ArtisyncError);
    expect(failure).toMatchObject({ code: 'ARTISYNC_INTERNAL', subject: 'wrong type' });
    expect((failure as Error).message).toMatch(/^snapshot found a Redis key of the wrong type: .*WRONGTYPE/);
  });

  it('tells a missing group from a failure: NOGROUP is an answer, not an error', async () => {
    await expect(gateway.hasGroup('no group here', 'gw:nobody')).resolves.toBe(false);
    expect((await gateway.labelPositions(['no group here'], 'gw:nobody')).get('no group here')).toEqual({ headRevision: '0-0', pending: 0 });
  });

  it('maps a lost connection to ARTISYNC_REDIS_UNAVAILABLE naming the operation', async () => {
    await redis.kill();
    const failure = await gateway.ack('some label', 'gw:n', ['1-0']).catch((err: unknown) => err);
    expect(failure).toMatchObject({ code: 'ARTISYNC_REDIS_UNAVAILABLE', subject: 'some label' });
    expect((failure as Error).message).toMatch(/^Redis unavailable during ack: /);
  });
});
