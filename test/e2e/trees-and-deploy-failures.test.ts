// The built CLI as processes: a publisher syncing all four trees, a gateway that opts in to them and one that does
// not, and Synapse's `.back` move and restore on a gateway reported as a deploy failure (never as an override).
import { copyFile, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeployFailure, NodeStatus } from '../../core/hub-api.js';
import { runCli } from '../support/cli-process.js';
import { TestRedis } from '../support/redis-server.js';
import { TestCluster, type AgentNode, type HubNode } from '../support/test-cluster.js';
import { waitFor } from '../support/wait-for.js';
import { carbonApp } from '../support/zip-archive.js';

const REPO = join(import.meta.dirname, '..', '..');
const LABEL = 'mi';
const ALL_TREES = ['--trees', 'synapse-configs/default,executionplans,userstores,carbonapps'];
const USERSTORE = 'userstores/wso2_com_ldap_rw.xml';
const CAR = 'carbonapps/HelloCompositeApplication_1.0.0.car';
const API = 'synapse-configs/default/api/HelloRestApi.xml';
const SECRET = 'kuv2MubUUveMyv6';
const apiXml = (version: string) => `<api xmlns="http://ws.apache.org/ns/synapse" name="HelloRestApi" context="/hello/${version}"><resource methods="GET"><inSequence><respond/></inSequence></resource></api>\n`;

let redis: TestRedis;
let cluster: TestCluster;
let hub: HubNode;
let publisher: AgentNode;
let gateway: AgentNode;
let plain: AgentNode;
let userstore: Buffer;
let car: Buffer;

const read = (root: string, path: string) => readFile(join(root, path)).catch(() => undefined);
const sameBytes = async (root: string, path: string, want: Buffer) => (await read(root, path))?.equals(want) === true;
const failuresOf = async (agent: AgentNode) => (await (await fetch(`${agent.adminUrl}/v1/deploy-failures`)).json()) as DeployFailure[];
const hubArgs = () => ['--hub', hub.url, '--token', 'x'];

beforeAll(async () => {
  redis = await TestRedis.start();
  cluster = new TestCluster();
  hub = await cluster.startHub(redis.url);
  userstore = await readFile(join(REPO, 'test', 'fixtures', 'trees', 'userstores', 'wso2_com_ldap_rw.xml'));
  const realApi = await readFile(join(REPO, 'test', 'fixtures', 'wso2-real', 'mi-4.x-mgmt', 'synapse-configs', 'default', 'api', 'HelloRestApi.xml'), 'utf8');
  car = carbonApp('HelloCompositeApplication', 'HelloRestApi', realApi);
  const common = { hubUrl: hub.url, redisUrl: redis.url };
  publisher = await cluster.startAgent({ ...common, nodeId: 'pub', publishLabels: [LABEL], extraArgs: ALL_TREES });
  gateway = await cluster.startAgent({ ...common, nodeId: 'gw-all', gatewayLabels: [LABEL], extraArgs: [...ALL_TREES, '--verify-interval', '60000'] });
  plain = await cluster.startAgent({ ...common, nodeId: 'gw-plain', gatewayLabels: [LABEL] });
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
  await redis?.stop();
});

describe('userstores and carbonapps', () => {
  it('travel whole to a gateway that syncs them, never to one that does not, and the secret is never logged', async () => {
    await mkdir(join(publisher.serverRoot, 'userstores'), { recursive: true });
    await mkdir(join(publisher.serverRoot, 'carbonapps'), { recursive: true });
    await writeFile(join(publisher.serverRoot, USERSTORE), userstore);
    await writeFile(join(publisher.serverRoot, CAR), car);
    await writeFile(join(publisher.serverRoot, API), apiXml('v1'));
    // A file Synapse left on the publishing node is never pushed.
    await writeFile(join(publisher.serverRoot, `${API}.back`), apiXml('broken'));
    await waitFor(async () => (await sameBytes(gateway.serverRoot, USERSTORE, userstore)) && (await sameBytes(gateway.serverRoot, CAR, car)) && (await sameBytes(gateway.serverRoot, API, Buffer.from(apiXml('v1')))), { timeoutMs: 20_000, message: 'gw-all has all three' });
    await waitFor(() => sameBytes(plain.serverRoot, API, Buffer.from(apiXml('v1'))), { timeoutMs: 20_000, message: 'gw-plain has the API' });
    const listed = await runCli(['ls', LABEL, '--json', ...hubArgs()]);
    expect(listed.code).toBe(0);
    const paths = (JSON.parse(listed.stdout) as { artifacts: Array<{ path: string }> }).artifacts.map((item) => item.path).sort();
    expect(paths).toEqual([CAR, API, USERSTORE].sort());
    // gw-plain was sent the label's events too and wrote only its own trees; its verify sees no drift for them.
    const verify = await runCli(['verify', '--admin', plain.adminUrl]);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    expect(await read(plain.serverRoot, USERSTORE)).toBeUndefined();
    expect(await read(plain.serverRoot, CAR)).toBeUndefined();
    const logs = [publisher, gateway, plain].map((agent) => JSON.stringify(agent.daemon.logs) + agent.daemon.stderr).join('\n') + JSON.stringify(hub.daemon.logs);
    expect(logs).not.toContain(SECRET);
    const diff = await runCli(['diff', LABEL, USERSTORE, ...hubArgs()]);
    expect(diff.code).toBe(0);
    expect(diff.stdout).toContain('<Property encrypted="true" name="ConnectionPassword">********</Property>');
    expect(diff.stdout).toContain('uid=admin,ou=system');
    expect(diff.stdout + diff.stderr).not.toContain(SECRET);
    const carDiff = await runCli(['diff', LABEL, CAR, ...hubArgs()]);
    expect(carDiff.stdout).toContain(`+Carbon application archive, ${car.length} bytes`);
  });

  it('refuses a damaged .car at the publisher and names it in validate', async () => {
    const samples = await runCli(['validate', join(REPO, 'test', 'fixtures', 'trees'), join(gateway.serverRoot, 'carbonapps')]);
    expect(samples.code, samples.stdout + samples.stderr).toBe(0);
    await writeFile(join(publisher.serverRoot, 'carbonapps/Broken_1.0.0.car'), Buffer.from('<artifacts/>'));
    const result = await runCli(['validate', join(publisher.serverRoot, 'carbonapps')]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/Broken_1\.0\.0\.car:1:1: not a zip archive.*\(ARTISYNC_CARBON_APP_INVALID\)/);
    await waitFor(async () => {
      const nodes = JSON.parse((await runCli(['status', '--json', '--lag-grace', '0', ...hubArgs()])).stdout) as { nodes: NodeStatus[] };
      return nodes.nodes.find((node) => node.node === 'pub')?.invalid.some((item) => item.code === 'ARTISYNC_CARBON_APP_INVALID');
    }, { timeoutMs: 20_000, message: 'publisher reports the broken .car' });
  });
});

describe("Carbon's .back move and restore on a gateway", () => {
  it('is a deploy failure of that version in status, metrics and the admin API, not an override, and is left alone', async () => {
    await writeFile(join(publisher.serverRoot, API), apiXml('v2'));
    await waitFor(() => sameBytes(gateway.serverRoot, API, Buffer.from(apiXml('v2'))), { timeoutMs: 20_000, message: 'gw-all has v2' });
    const absolute = join(gateway.serverRoot, API);
    // What Synapse does when v2 fails to deploy: move it aside, then write the artifact it still runs back.
    await rename(absolute, `${absolute}.back`);
    await writeFile(absolute, apiXml('v1'));
    const failures = await waitFor(async () => {
      const list = await failuresOf(gateway);
      return list.length === 1 && list[0]?.restoredSha256 !== null ? list : undefined;
    }, { timeoutMs: 20_000, message: 'gw-all reports the deploy failure' });
    expect(failures[0]).toMatchObject({ path: API, label: LABEL, version: 2, backFile: `${API}.back` });
    expect(await (await fetch(`${gateway.adminUrl}/v1/overrides`)).json()).toEqual([]);
    expect(await (await fetch(`${gateway.adminUrl}/metrics`)).text()).toMatch(/^artisync_deploy_failures 1$/m);
    const status = await waitFor(async () => {
      const run = await runCli(['status', '--lag-grace', '0', ...hubArgs()]);
      return run.stderr.includes('deploy failed on this node') ? run : undefined;
    }, { timeoutMs: 20_000, message: 'status shows the deploy failure' });
    expect(status.code).toBe(1);
    expect(status.stderr).toContain(`gw-all ${LABEL}: deploy failed on this node: ${API} version 2`);
    expect(status.stdout).toMatch(/gw-all .*deploy-failed mi/);
    // A drift check neither repairs the restore (the server would refuse v2 again) nor counts it as drift.
    const drift = (await (await fetch(`${gateway.adminUrl}/v1/drift-check`, { method: 'POST' })).json()) as { repaired: number; drift: number };
    expect(drift).toMatchObject({ repaired: 0, drift: 0 });
    expect(await readFile(absolute, 'utf8')).toBe(apiXml('v1'));
    const verify = await runCli(['verify', '--admin', gateway.adminUrl]);
    expect(verify.code).toBe(1);
    expect(verify.stdout).toContain(`deploy-failed\t${API}\n`);
    expect(verify.stdout).toMatch(/^deploy failed on this node for 1 artifact .*0 stale/m);
  });

  it('clears when the hub sends the next version, which is written as usual', async () => {
    await writeFile(join(publisher.serverRoot, API), apiXml('v3'));
    await waitFor(() => sameBytes(gateway.serverRoot, API, Buffer.from(apiXml('v3'))), { timeoutMs: 20_000, message: 'gw-all has v3' });
    await waitFor(async () => (await failuresOf(gateway)).length === 0, { timeoutMs: 10_000, message: 'the failure is cleared' });
    expect(await (await fetch(`${gateway.adminUrl}/v1/overrides`)).json()).toEqual([]);
    const ls = await runCli(['ls', LABEL, '--json', ...hubArgs()]);
    expect(ls.stdout).not.toContain('.back');
  });

  it('is recognised after a restart when the server refused the version while the agent was down', async () => {
    const options = { hubUrl: hub.url, redisUrl: redis.url, nodeId: 'gw-all', gatewayLabels: [LABEL], extraArgs: [...ALL_TREES, '--verify-interval', '60000'] };
    await gateway.daemon.stop();
    const absolute = join(gateway.serverRoot, API);
    await rename(absolute, `${absolute}.back`);
    await writeFile(absolute, apiXml('v2'));
    gateway = await cluster.restartAgent(gateway, options);
    const failures = await waitFor(async () => {
      const list = await failuresOf(gateway);
      return list.length === 1 ? list : undefined;
    }, { timeoutMs: 20_000, message: 'gw-all reports the failure found at start' });
    expect(failures[0]).toMatchObject({ path: API, version: 3 });
    expect(await (await fetch(`${gateway.adminUrl}/v1/overrides`)).json()).toEqual([]);
    // The startup sync left Carbon's restore in place.
    expect(await readFile(absolute, 'utf8')).toBe(apiXml('v2'));
    // `redeploy` is the operator's retry: v3 is written again and the failure is gone until the server refuses it again.
    const redeploy = await runCli(['redeploy', API, '--admin', gateway.adminUrl]);
    expect(redeploy.code, redeploy.stderr).toBe(0);
    expect(await readFile(absolute, 'utf8')).toBe(apiXml('v3'));
    expect(await failuresOf(gateway)).toEqual([]);
  });

  it("is not an operator's copy to .back followed by a hand edit: that stays an override", async () => {
    const absolute = join(gateway.serverRoot, API);
    await copyFile(absolute, `${absolute}.back`);
    await writeFile(absolute, apiXml('hand-edit'));
    const overrides = await waitFor(async () => {
      const list = (await (await fetch(`${gateway.adminUrl}/v1/overrides`)).json()) as Array<{ path: string; kind: string }>;
      return list.length === 1 ? list : undefined;
    }, { timeoutMs: 20_000, message: 'the hand edit is an override' });
    expect(overrides[0]).toMatchObject({ path: API, kind: 'changed' });
    expect(await failuresOf(gateway)).toEqual([]);
  });
});
