// Two tenants of one API-M deployment side by side, as the artisync-agent@<tenant-id> template runs them: per tenant a
// publisher and a gateway agent whose server root is repository/tenants/<id>, each with the tenant's own label.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodeStatus } from '../../core/hub-api.js';
import { runCli } from '../support/cli-process.js';
import { TestRedis } from '../support/redis-server.js';
import { TestCluster, readTrees, type AgentNode, type HubNode } from '../support/test-cluster.js';
import { waitFor } from '../support/wait-for.js';

const TENANTS = ['1', '2'] as const;
const API = 'synapse-configs/default/api/admin--Orders_v1.0.0.xml';
const USERSTORE = 'userstores/tenant_ldap.xml';
const apiOf = (tenant: string) => `<api xmlns="http://ws.apache.org/ns/synapse" name="admin--Orders" version="1.0.0" context="/t/tenant${tenant}.com/orders"/>\n`;
const storeOf = (tenant: string) => `<UserStoreManager class="org.wso2.carbon.user.core.ldap.ReadOnlyLDAPUserStoreManager"><Property name="DomainName">T${tenant}</Property></UserStoreManager>\n`;

let redis: TestRedis;
let cluster: TestCluster;
let hub: HubNode;
const publishers = new Map<string, AgentNode>();
const gateways = new Map<string, AgentNode>();

beforeAll(async () => {
  redis = await TestRedis.start();
  cluster = new TestCluster();
  hub = await cluster.startHub(redis.url);
  // One API-M home per node, one server root per tenant under it, exactly as repository/tenants/<id> lays them out.
  const publisherHome = await cluster.tempDir('artisync-apim-publisher-');
  const gatewayHome = await cluster.tempDir('artisync-apim-gateway-');
  const trees = ['--trees', 'synapse-configs/default,executionplans,userstores'];
  for (const tenant of TENANTS) {
    const label = `tenant-${tenant}`;
    const common = { hubUrl: hub.url, redisUrl: redis.url, extraArgs: trees };
    publishers.set(tenant, await cluster.startAgent({ ...common, nodeId: `pub-t${tenant}`, publishLabels: [label], serverRoot: join(publisherHome, 'repository', 'tenants', tenant) }));
    gateways.set(tenant, await cluster.startAgent({ ...common, nodeId: `gw-t${tenant}`, gatewayLabels: [label], serverRoot: join(gatewayHome, 'repository', 'tenants', tenant) }));
  }
}, 90_000);

afterAll(async () => {
  await cluster?.stop();
  await redis?.stop();
});

describe('two tenants on one node', () => {
  it('keep separate labels and trees: the same path carries each tenant its own content, with no crosstalk', async () => {
    for (const tenant of TENANTS) {
      const root = publishers.get(tenant)!.serverRoot;
      await mkdir(join(root, 'userstores'), { recursive: true });
      await writeFile(join(root, API), apiOf(tenant));
      await writeFile(join(root, USERSTORE), storeOf(tenant));
    }
    for (const tenant of TENANTS) {
      const root = gateways.get(tenant)!.serverRoot;
      await waitFor(async () => (await readFile(join(root, API), 'utf8').catch(() => '')) === apiOf(tenant) && (await readFile(join(root, USERSTORE), 'utf8').catch(() => '')) === storeOf(tenant), { timeoutMs: 20_000, message: `tenant ${tenant} on its gateway` });
    }
    // A last change in tenant 1 only: tenant 2's gateway never sees it.
    const only1 = 'synapse-configs/default/api/admin--Only1_v1.0.0.xml';
    await writeFile(join(publishers.get('1')!.serverRoot, only1), apiOf('1').replace('Orders', 'Only1'));
    await waitFor(async () => (await readFile(join(gateways.get('1')!.serverRoot, only1), 'utf8').catch(() => '')) === apiOf('1').replace('Orders', 'Only1'), { timeoutMs: 20_000, message: 'tenant 1 has its third file' });
    // The hub's tenant-2 stream carried nothing since: the gateway has applied its head (status exits 0 below).
    const settled = await runCli(['status', '--hub', hub.url, '--token', 'x']);
    expect(settled.code, settled.stderr).toBe(0);
    for (const tenant of TENANTS) {
      const files = await readTrees(gateways.get(tenant)!.serverRoot);
      const expected = tenant === '1' ? [API, only1, USERSTORE] : [API, USERSTORE];
      expect([...files.keys()].sort()).toEqual(expected.sort());
      for (const content of files.values()) expect(content).not.toContain(`tenant${tenant === '1' ? '2' : '1'}.com`);
    }
    for (const tenant of TENANTS) {
      const listed = await runCli(['ls', `tenant-${tenant}`, '--json', '--hub', hub.url, '--token', 'x']);
      const artifacts = (JSON.parse(listed.stdout) as { artifacts: Array<{ path: string; byNode?: string }> }).artifacts;
      expect(artifacts.length).toBe(tenant === '1' ? 3 : 2);
    }
    const status = await runCli(['status', '--json', '--hub', hub.url, '--token', 'x']);
    expect(status.code, status.stderr).toBe(0);
    const nodes = (JSON.parse(status.stdout) as { nodes: NodeStatus[] }).nodes;
    for (const tenant of TENANTS) {
      expect(nodes.find((node) => node.node === `pub-t${tenant}`)?.publisherLabels).toEqual([`tenant-${tenant}`]);
      expect(Object.keys(nodes.find((node) => node.node === `gw-t${tenant}`)?.gatewayLabels ?? {})).toEqual([`tenant-${tenant}`]);
    }
  });
});
