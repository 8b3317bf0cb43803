// The Redis ACL the README gives gateway agents, created on a test Redis: a gateway works with it, and it cannot
// change artifact data (blob, head, history, stream entries) or touch keys outside artisync's.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisKeys } from '../../core/redis-keys.js';
import { REPO_ROOT } from '../support/cli-daemon.js';
import { apiPath, apiXml, deleteArtifact, endpointPath, endpointXml, writeArtifact } from '../support/sample-artifacts.js';
import { TestRedis } from '../support/redis-server.js';
import { readHeads } from '../support/store-invariants.js';
import { readTrees, TestCluster, type AgentNode } from '../support/test-cluster.js';
import { waitFor } from '../support/wait-for.js';

const LABEL = 'Production and Sandbox';
const PASSWORD = 'gw-secret-1';

let redis: TestRedis;
let cluster: TestCluster;
let publisher: AgentNode;
let gateway: AgentNode;
let limited: Redis;
let admin: Redis;
let aclUser: string;

/** The `ACL SETUSER …` line of the README's gateway section, with its placeholder password replaced. */
async function readmeGatewayAcl(): Promise<{ user: string; args: string[] }> {
  const readme = await readFile(join(REPO_ROOT, 'README.md'), 'utf8');
  const line = readme.split('\n').find((text) => text.startsWith('ACL SETUSER '));
  if (line === undefined) throw new Error('README.md has no `ACL SETUSER` line for gateway agents');
  const [, , user, ...rules] = line.trim().split(/\s+/);
  if (user === undefined) throw new Error(`README ACL line names no user: ${line}`);
  return { user, args: rules.map((rule) => (rule.startsWith('>') ? `>${PASSWORD}` : rule)) };
}

beforeAll(async () => {
  redis = await TestRedis.start();
  const acl = await readmeGatewayAcl();
  aclUser = acl.user;
  admin = redis.client();
  await admin.call('ACL', 'SETUSER', acl.user, ...acl.args);
  cluster = new TestCluster();
  const hub = await cluster.startHub(redis.url);
  const gatewayUrl = `redis://${acl.user}:${PASSWORD}@127.0.0.1:${redis.port}/0`;
  publisher = await cluster.startAgent({ nodeId: 'pub-1', hubUrl: hub.url, redisUrl: redis.url, publishLabels: [LABEL] });
  await writeArtifact(publisher.serverRoot, apiPath('BeforeGateway'), apiXml('BeforeGateway', 'v1'));
  await waitFor(async () => (await readHeads(admin, LABEL)).has(apiPath('BeforeGateway')), { message: 'first artifact published' });
  gateway = await cluster.startAgent({ nodeId: 'gw-acl', hubUrl: hub.url, redisUrl: gatewayUrl, gatewayLabels: [LABEL] });
  limited = new Redis({ port: redis.port, host: '127.0.0.1', username: acl.user, password: PASSWORD, maxRetriesPerRequest: 0 });
});

afterAll(async () => {
  limited.disconnect();
  admin.disconnect();
  await cluster.stop();
  await redis.destroy();
});

describe('the README gateway ACL', () => {
  it('is enough for a gateway: startup sync, stream reads, acks, deletes', async () => {
    const wanted = new Map([[apiPath('BeforeGateway'), apiXml('BeforeGateway', 'v1')]]);
    const step = async (path: string, content: string | undefined): Promise<void> => {
      if (content === undefined) {
        wanted.delete(path);
        await deleteArtifact(publisher.serverRoot, path);
      } else {
        wanted.set(path, content);
        await writeArtifact(publisher.serverRoot, path, content);
      }
      const expected = JSON.stringify([...wanted].sort(([a], [b]) => a.localeCompare(b)));
      await waitFor(async () => JSON.stringify([...(await readTrees(gateway.serverRoot))]) === expected, { timeoutMs: 30_000, message: `gateway after ${path}` });
    };
    await step(endpointPath('AclEP'), endpointXml('AclEP', 'v1'));
    await step(apiPath('Acl'), apiXml('Acl', 'v1'));
    await step(apiPath('Acl'), apiXml('Acl', 'v2'));
    await step(apiPath('BeforeGateway'), undefined);
    const clients = String(await admin.call('CLIENT', 'LIST')).split('\n');
    expect(clients.filter((line) => line.includes(`user=${aclUser}`)).length).toBeGreaterThanOrEqual(2);
    const denied = gateway.daemon.logs.filter((line) => JSON.stringify(line).includes('NOPERM'));
    expect(denied).toEqual([]);
    // The gateway acks after the files are on disk, so the last ack may trail the last rename a little.
    await waitFor(async () => ((await admin.call('XPENDING', redisKeys.stream(LABEL), 'gw:gw-acl')) as [number, ...unknown[]])[0] === 0, {
      message: 'every stream entry acknowledged by the ACL user',
    });
  });

  it('refuses every write to artifact data and every key outside artisync', async () => {
    const sha = (await readHeads(admin, LABEL)).get(apiPath('Acl'))?.sha256 ?? 'x';
    const attempts: Array<[string, () => Promise<unknown>]> = [
      ['SET blob', () => limited.set(redisKeys.blob(sha), 'evil')],
      ['DEL blob', () => limited.del(redisKeys.blob(sha))],
      ['HSET head', () => limited.hset(redisKeys.heads(LABEL), apiPath('Acl'), '{}')],
      ['HDEL head', () => limited.hdel(redisKeys.heads(LABEL), apiPath('Acl'))],
      ['LPUSH history', () => limited.lpush(redisKeys.history(LABEL, apiPath('Acl')), '{}')],
      ['XADD stream', () => limited.xadd(redisKeys.stream(LABEL), '*', 'node', 'evil')],
      ['XTRIM stream', () => limited.xtrim(redisKeys.stream(LABEL), 'MAXLEN', 0)],
      ['XDEL stream', () => limited.xdel(redisKeys.stream(LABEL), '0-1')],
      ['SET digest', () => limited.set(redisKeys.digest(LABEL), 'evil')],
      ['EVAL', () => limited.eval("return redis.call('SET', KEYS[1], 'evil')", 1, redisKeys.digest(LABEL))],
      ['FLUSHALL', () => limited.flushall()],
      ['GET outside artisync', () => limited.get('someone-else:secret')],
      ['XGROUP DESTROY', () => limited.xgroup('DESTROY', redisKeys.stream(LABEL), 'gw:gw-acl')],
      // Gateways need no XINFO: its cost grows with the number of groups (issue #13); refusing it proves none is sent.
      ['XINFO GROUPS', () => limited.xinfo('GROUPS', redisKeys.stream(LABEL))],
      ['GET old layout', () => limited.get('{artisync}:labels')],
    ];
    for (const [name, attempt] of attempts) await expect(attempt(), name).rejects.toThrow(/NOPERM/);
    expect(await limited.get(redisKeys.digest(LABEL))).not.toBe('evil');
  });
});
