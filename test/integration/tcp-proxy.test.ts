// The test TCP proxy against a real redis-server: traffic flows, delay holds it, cut breaks it, ioredis recovers after restore.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestRedis } from '../support/redis-server.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { waitFor } from '../support/wait-for.js';

let redis: TestRedis;
let proxy: TcpProxy;
const clients: Redis[] = [];

function clientThroughProxy(): Redis {
  const client = new Redis(proxy.port, '127.0.0.1', { maxRetriesPerRequest: null, retryStrategy: () => 50 });
  client.on('error', () => undefined);
  clients.push(client);
  return client;
}

beforeAll(async () => {
  redis = await TestRedis.start();
  proxy = await TcpProxy.start(redis.port);
});

afterAll(async () => {
  for (const client of clients) client.disconnect();
  await proxy.close();
  await redis.destroy();
});

describe('TcpProxy', () => {
  it('forwards commands and replies both ways', async () => {
    const client = clientThroughProxy();
    await client.set('through', 'proxy');
    const direct = redis.client();
    expect(await direct.get('through')).toBe('proxy');
    direct.disconnect();
    expect(proxy.bytesForwarded).toBeGreaterThan(0);
    expect(proxy.openConnections).toBe(1);
  });

  it('delays traffic but keeps its order', async () => {
    const client = clientThroughProxy();
    proxy.delay(30);
    const replies = await Promise.all([client.rpush('ordered', 'a'), client.rpush('ordered', 'b'), client.rpush('ordered', 'c')]);
    proxy.restore();
    expect(replies).toEqual([1, 2, 3]);
    expect(await client.lrange('ordered', 0, -1)).toEqual(['a', 'b', 'c']);
  });

  it('cuts every connection, refuses new ones, and ioredis reconnects after restore', async () => {
    const client = clientThroughProxy();
    await client.set('before-cut', '1');
    const acceptedBefore = proxy.connectionsAccepted;
    proxy.cut();
    await waitFor(() => client.status !== 'ready', { message: 'client to notice the cut' });
    expect(proxy.openConnections).toBe(0);
    const pending = client.set('during-cut', '2');
    await waitFor(() => client.status === 'reconnecting' || client.status === 'connecting', { message: 'client retrying' });
    expect(proxy.connectionsAccepted).toBe(acceptedBefore);
    proxy.restore();
    expect(await pending).toBe('OK');
    expect(await client.get('during-cut')).toBe('2');
    expect(proxy.connectionsAccepted).toBeGreaterThan(acceptedBefore);
  });

  it('cuts the connection instead of forwarding the one reply that carries a marker, then forwards again', async () => {
    const client = clientThroughProxy();
    await client.set('marked', 'lost-reply-marker');
    const acceptedBefore = proxy.connectionsAccepted;
    proxy.cutReplyContaining('lost-reply-marker');
    // ioredis resends the unanswered GET on its new connection; the marker is disarmed, so that reply gets through.
    expect(await client.get('marked')).toBe('lost-reply-marker');
    expect(proxy.repliesCut).toBe(1);
    expect(proxy.connectionsAccepted).toBeGreaterThan(acceptedBefore);
    expect(await client.get('marked')).toBe('lost-reply-marker');
    expect(proxy.repliesCut).toBe(1);
  });

  it('refuses connections after close', async () => {
    const closing = await TcpProxy.start(redis.port);
    await closing.close();
    const client = new Redis(closing.port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => undefined);
    await expect(client.connect()).rejects.toThrow();
    client.disconnect();
  });
});
