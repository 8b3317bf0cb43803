// Durable before the reply, against real redis-servers: a commit survives SIGKILL, WAIT for replicas, the start checks.
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, hasErrorCode } from '../../core/errors.js';
import type { ErrorBody, PutResult } from '../../core/hub-api.js';
import { redisKeys } from '../../core/redis-keys.js';
import { checkCommitDurability } from '../../hub/redis-persistence-check.js';
import { startTestHub, type TestHub } from '../support/hub-test-app.js';
import { TestRedis } from '../support/redis-server.js';
import { waitFor } from '../support/wait-for.js';

const API = 'synapse-configs/default/api/Pizza.xml';
const LABEL = 'Production and Sandbox';
const url = `/v1/labels/${encodeURIComponent(LABEL)}/artifact?path=${encodeURIComponent(API)}`;
const strict = { durable_replicas: 0, durable_timeout: 500, require_durable_commits: true };
const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function redisWith(options: { appendonly: boolean; extraArgs?: string[] }): Promise<TestRedis> {
  const server = await TestRedis.start(options);
  cleanups.push(() => server.destroy());
  return server;
}

async function hubOn(server: TestRedis, durability: typeof strict): Promise<TestHub> {
  const hub = await startTestHub(server, { durability });
  cleanups.push(() => hub.close());
  return hub;
}

function put(hub: TestHub, body: string, requestId?: string) {
  const headers = { 'content-type': 'application/octet-stream', ...(requestId === undefined ? {} : { 'x-request-id': requestId }) };
  return hub.app.inject({ method: 'PUT', url, payload: body, headers });
}

describe('durable before the reply', () => {
  it('keeps an acknowledged commit through a SIGKILL of Redis with appendfsync always', async () => {
    const server = await redisWith({ appendonly: true, extraArgs: ['--appendfsync', 'always'] });
    const hub = await hubOn(server, strict);
    const reply = await put(hub, '<api v="1"/>');
    expect(reply.statusCode).toBe(200);
    const committed = reply.json<PutResult>();
    await server.kill();
    await server.restart();
    const reader = server.client();
    cleanups.push(() => Promise.resolve(reader.disconnect()));
    const head = await waitFor(async () => reader.hget(redisKeys.heads(LABEL), API).catch(() => null), { timeoutMs: 10_000, message: 'head after restart' });
    expect(JSON.parse(head)).toMatchObject({ version: committed.version, sha256: committed.sha256 });
  });

  it('answers ARTISYNC_NOT_DURABLE while replicas are missing, and a retry of the same request id makes no second version', async () => {
    const server = await redisWith({ appendonly: false });
    const hub = await hubOn(server, { durable_replicas: 1, durable_timeout: 200, require_durable_commits: true });
    const first = await put(hub, '<api v="1"/>', 'req-1');
    expect(first.statusCode).toBe(503);
    expect(first.json<ErrorBody>().error.code).toBe('ARTISYNC_NOT_DURABLE');
    expect((await put(hub, '<api v="1"/>', 'req-1')).statusCode).toBe(503);
    const replica = await redisWith({ appendonly: false, extraArgs: ['--replicaof', '127.0.0.1', String(server.port)] });
    const probe = replica.client();
    cleanups.push(() => Promise.resolve(probe.disconnect()));
    await waitFor(async () => (await probe.info('replication')).includes('master_link_status:up'), { timeoutMs: 10_000, message: 'replica in sync' });
    const retried = await put(hub, '<api v="1"/>', 'req-1');
    expect(retried.statusCode).toBe(200);
    expect(retried.json<PutResult>()).toMatchObject({ version: 1, unchanged: false });
    expect(await hub.store.history(LABEL, API)).toHaveLength(1);
  });

  it('warns when acknowledged commits can be lost, and refuses to start when require_durable_commits is true', async () => {
    const server = await redisWith({ appendonly: true, extraArgs: ['--appendfsync', 'everysec'] });
    const redis = server.client();
    cleanups.push(() => Promise.resolve(redis.disconnect()));
    const logged: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => { logged.push(line); } });
    const plan = await checkCommitDurability(redis, { ...strict, require_durable_commits: false }, logger);
    expect(plan.plan.durable).toBe(false);
    expect(logged.join('')).toContain('acknowledged commits can be lost');
    expect(logged.join('')).toContain('appendfsync is everysec');
    const refused = await checkCommitDurability(redis, strict, logger).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(ConfigError);
    expect(hasErrorCode(refused, 'ARTISYNC_NOT_DURABLE')).toBe(true);
    expect((refused as Error).message).toContain('require_durable_commits');
  });
});
