// Access control with the built processes: no tokens = no hub, a publisher with a wrong token stores nothing,
// and the admin API stays on loopback unless told otherwise.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliDaemon } from '../support/cli-daemon.js';
import { findFreeLoopbackPort as findFreePort } from '../../cli/free-port.js';
import { apiPath, apiXml, writeArtifact } from '../support/sample-artifacts.js';
import { TestRedis } from '../support/redis-server.js';
import { readHeads } from '../support/store-invariants.js';
import { TestCluster, type HubNode } from '../support/test-cluster.js';
import { waitFor } from '../support/wait-for.js';

const LABEL = 'Production and Sandbox';

let redis: TestRedis;
let cluster: TestCluster;
let hub: HubNode;

beforeAll(async () => {
  redis = await TestRedis.start();
  cluster = new TestCluster();
  hub = await cluster.startHub(redis.url, { tokensFile: await cluster.tokensFile({ 'pub-1': 'right-token-123', 'gw-1': 'gw-token-456' }) });
});

afterAll(async () => {
  await cluster.stop();
  await redis.destroy();
});

describe('access control', () => {
  it('refuses to start a hub with no tokens and no --insecure', async () => {
    const daemon = CliDaemon.start(['hub', '--listen', `127.0.0.1:${await findFreePort()}`, '--redis-url', redis.url], { name: 'tokenless hub' });
    expect((await daemon.exited).code).toBe(2);
    expect(daemon.stderr).toMatch(/^artisync: .*tokens_file/);
  });

  it('stores nothing from a publisher with a wrong token, and everything once the token is right', async () => {
    const wrong = await cluster.startAgent({ nodeId: 'pub-1', hubUrl: hub.url, redisUrl: redis.url, publishLabels: [LABEL], token: 'wrong-token' });
    await writeArtifact(wrong.serverRoot, apiPath('Unauthorised'), apiXml('Unauthorised', 'v1'));
    await waitFor(() => wrong.daemon.logs.some((line) => JSON.stringify(line).includes('ARTISYNC_UNAUTHORIZED')), { message: 'the publisher to report 401' });
    const client = redis.client();
    try {
      expect((await readHeads(client, LABEL)).size).toBe(0);
      await wrong.daemon.stop();
      await cluster.startAgent({ nodeId: 'pub-1', hubUrl: hub.url, redisUrl: redis.url, publishLabels: [LABEL], token: 'right-token-123', serverRoot: wrong.serverRoot, stateDir: wrong.stateDir });
      await waitFor(async () => (await readHeads(client, LABEL)).has(apiPath('Unauthorised')), { timeoutMs: 30_000, message: 'the kept change published with the right token' });
    } finally {
      client.disconnect();
    }
  });

  it('keeps the admin API on loopback unless admin_allow_remote is set', async () => {
    const port = await findFreePort();
    const args = ['agent', '--node-id', 'gw-remote', '--server-root', await cluster.tempDir('artisync-remote-'), '--state-dir', await cluster.tempDir('artisync-remote-state-'),
      '--hub-url', hub.url, '--redis-url', redis.url, '--gateway-enabled', '--gateway-labels', LABEL, '--token', 'gw-token-456', '--admin-listen', `0.0.0.0:${port}`];
    const refused = CliDaemon.start(args, { name: 'remote admin' });
    expect((await refused.exited).code).toBe(2);
    expect(refused.stderr).toMatch(/admin_listen/);
    const allowed = CliDaemon.start([...args, '--admin-allow-remote'], { name: 'remote admin allowed' });
    try {
      await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).status === 200, { message: 'admin API with admin_allow_remote' });
    } finally {
      await allowed.stop();
    }
  });
});
