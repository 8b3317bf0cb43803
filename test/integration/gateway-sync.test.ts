// Gateway against a real redis-server seeded in the hub's layout: startup sync, consume, acks, crash re-delivery, trims, drift.
import * as nodeFs from 'node:fs/promises';
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sha256Of } from '../../core/blob-codec.js';
import { consumerGroupName, redisKeys } from '../../core/redis-keys.js';
import { writeTree } from '../support/temp-tree.js';
import { waitFor } from '../support/wait-for.js';
import { readTree, useGatewaySuite, type HarnessOptions } from './gateway-harness.js';

const LABEL = 'Production and Sandbox';
const OTHER = 'Label1';
const API = 'synapse-configs/default/api/admin--PizzaShackAPI_v1.0.0.xml';
const EP = 'synapse-configs/default/endpoints/PizzaShackAPI--v1.0.0_APIproductionEndpoint.xml';
const PLAN = 'executionplans/throttle.siddhiql';

const suite = useGatewaySuite('artisync-gw-', [LABEL, OTHER]);
const { start, stop } = suite;

async function expectTree(expected: Record<string, string>): Promise<void> {
  const want = JSON.stringify(sorted(expected));
  await waitFor(async () => JSON.stringify(sorted(Object.fromEntries(await readTree(join(suite.dir, 'server'))))) === want, {
    timeoutMs: 15_000,
    message: `tree ${JSON.stringify(Object.keys(expected))}`,
  });
}

function sorted(files: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(files).sort(([a], [b]) => (a < b ? -1 : 1)));
}

async function pendingCount(node = 'gw-1', label = LABEL): Promise<number> {
  const summary = (await suite.client.xpending(redisKeys.stream(label), consumerGroupName(node))) as [number, ...unknown[]];
  return summary[0];
}

async function lastDelivered(node = 'gw-1', label = LABEL): Promise<string | undefined> {
  const groups = (await suite.client.call('XINFO', 'GROUPS', redisKeys.stream(label))) as unknown[][];
  for (const group of groups) {
    const fields = new Map<string, unknown>();
    for (let i = 0; i + 1 < group.length; i += 2) fields.set(String(group[i]), group[i + 1]);
    if (fields.get('name') === consumerGroupName(node)) return String(fields.get('last-delivered-id'));
  }
  return undefined;
}

describe('startup sync', () => {
  it('makes a first-start disk equal to the hub, backing up replaced files and leaving extras', async () => {
    await suite.seeder.commit(LABEL, [{ path: API, content: '<api name="v2"/>' }, { path: EP, content: '<endpoint/>' }]);
    await writeTree(join(suite.dir, 'server'), {
      [API]: '<api name="nfs-copy"/>',
      'synapse-configs/default/sequences/legacy.xml': '<sequence/>',
      'synapse-configs/default/api/.artisync-0123456789abcdef.tmp': '<api name="half',
    });
    const gateway = await start();
    await expectTree({ [API]: '<api name="v2"/>', [EP]: '<endpoint/>', 'synapse-configs/default/sequences/legacy.xml': '<sequence/>' });
    expect(await readFile(join(suite.dir, 'state', 'backup', API), 'utf8')).toBe('<api name="nfs-copy"/>');
    expect(await nodeFs.readdir(join(suite.dir, 'server', 'synapse-configs/default/api'))).toEqual(['admin--PizzaShackAPI_v1.0.0.xml']);
    const report = await gateway.admin.verify();
    expect(report).toMatchObject({ ok: false, missing: [], stale: [], extra: ['synapse-configs/default/sequences/legacy.xml'], overridden: [] });
  });

  it('honours data_retrieval_mode: sync is not ready until the first sync is on disk, async is ready at once', async () => {
    await suite.seeder.commit(LABEL, [{ path: API, content: '<api/>' }]);
    const unreachable = 'redis://127.0.0.1:1/0';
    const syncGateway = await start({ mode: 'sync', redisUrl: unreachable, stateDir: join(suite.dir, 'state-a') });
    const asyncGateway = await start({ mode: 'async', redisUrl: unreachable, nodeId: 'gw-2', stateDir: join(suite.dir, 'state-b'), serverRoot: join(suite.dir, 'server-b') });
    expect(syncGateway.isReady()).toBe(false);
    expect(asyncGateway.isReady()).toBe(true);
    await waitFor(() => syncGateway.report().lastError !== undefined, { message: 'a recorded sync failure' });
    expect(syncGateway.isReady()).toBe(false);
    const reachable = await start({ mode: 'sync', nodeId: 'gw-3', stateDir: join(suite.dir, 'state-c') });
    await waitFor(() => reachable.isReady(), { message: 'sync-mode gateway ready' });
    expect(await readFile(join(suite.dir, 'server', API), 'utf8')).toBe('<api/>');
  });
  it('finishes a delete that a crash cut off after it was recorded and before the file was removed', async () => {
    let reached = false;
    let release = (): void => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const fs = { ...nodeFs, rm: async (target: string, options: { force: true }) => {
      if (target.endsWith(API)) {
        reached = true;
        await gate;
      }
      return nodeFs.rm(target, options);
    } } as unknown as NonNullable<HarnessOptions['fs']>;
    const frozen = await start({ fs });
    await suite.seeder.commit(LABEL, [{ path: API, content: '<api v="1"/>' }, { path: EP, content: '<endpoint/>' }]);
    await expectTree({ [API]: '<api v="1"/>', [EP]: '<endpoint/>' });
    await suite.seeder.commit(LABEL, [{ path: API }]);
    await waitFor(() => reached, { message: 'the delete recorded, the file not removed yet' });
    // What a SIGKILL at this moment leaves: the server root and state_dir exactly as they are now.
    const crashed = { serverRoot: join(suite.dir, 'server-crashed'), stateDir: join(suite.dir, 'state-crashed') };
    await cp(join(suite.dir, 'server'), crashed.serverRoot, { recursive: true });
    await cp(join(suite.dir, 'state'), crashed.stateDir, { recursive: true });
    release();
    await stop(frozen);
    const restarted = await start(crashed);
    await waitFor(async () => JSON.stringify([...(await readTree(crashed.serverRoot)).keys()]) === JSON.stringify([EP]), {
      message: `${API} removed after the restart`,
    });
    expect(restarted.admin.overrides()).toEqual([]);
  });

  it('retries a sync that failed while Redis was down as soon as Redis is back, not after its backoff', async () => {
    await suite.redis.kill();
    const gateway = await start({ retryMs: 600_000 });
    // Connection errors are reported as "redis: …"; anything else is the sync giving up and starting its backoff.
    await waitFor(() => gateway.report().lastError?.startsWith('redis:') === false, { message: 'a recorded sync failure' });
    await suite.redis.restart();
    await suite.seeder.commit(LABEL, [{ path: API, content: '<api after="outage"/>' }]);
    await waitFor(async () => (await readFile(join(suite.dir, 'server', API), 'utf8').catch(() => '')) === '<api after="outage"/>', {
      timeoutMs: 20_000, message: 'the first sync after Redis came back',
    });
  });
});

describe('consuming', () => {
  it('applies puts, updates and deletes, acking only once they are on disk', async () => {
    await start();
    await suite.seeder.commit(LABEL, [{ path: EP, content: '<endpoint v="1"/>' }, { path: API, content: '<api v="1"/>' }]);
    await expectTree({ [EP]: '<endpoint v="1"/>', [API]: '<api v="1"/>' });
    await suite.seeder.commit(LABEL, [{ path: API, content: '<api v="2"/>' }, { path: PLAN, content: '@Plan:name("throttle")' }]);
    await suite.seeder.commit(LABEL, [{ path: EP }]);
    await expectTree({ [API]: '<api v="2"/>', [PLAN]: '@Plan:name("throttle")' });
    await waitFor(async () => (await pendingCount()) === 0, { message: 'no pending entries' });
  });

  it('lets the earlier label win and falls back to the next label when the winner deletes the path', async () => {
    await suite.seeder.commit(OTHER, [{ path: API, content: '<api from="Label1"/>' }]);
    await start();
    await expectTree({ [API]: '<api from="Label1"/>' });
    await suite.seeder.commit(LABEL, [{ path: API, content: '<api from="prod"/>' }]);
    await expectTree({ [API]: '<api from="prod"/>' });
    await suite.seeder.commit(OTHER, [{ path: API, content: '<api from="Label1" v="2"/>' }]);
    await suite.seeder.commit(LABEL, [{ path: API }]);
    await expectTree({ [API]: '<api from="Label1" v="2"/>' });
  });

  it('re-delivers entries left pending by a crash and ends identical to the hub', async () => {
    const gateway = await start();
    await suite.seeder.commit(LABEL, [{ path: API, content: '<api v="1"/>' }]);
    await expectTree({ [API]: '<api v="1"/>' });
    await stop(gateway);
    await suite.seeder.commit(LABEL, [{ path: API, content: '<api v="2"/>' }, { path: EP, content: '<endpoint/>' }]);
    // What a SIGKILL mid-apply leaves: the entry delivered to this consumer and never acknowledged.
    await suite.client.xreadgroup('GROUP', consumerGroupName('gw-1'), 'gw-1', 'COUNT', 10, 'STREAMS', redisKeys.stream(LABEL), '>');
    expect(await pendingCount()).toBe(1);
    await start();
    await expectTree({ [API]: '<api v="2"/>', [EP]: '<endpoint/>' });
    await waitFor(async () => (await pendingCount()) === 0, { message: 'pending entry acknowledged' });
  });

  it('recovers with a full sync when the stream was trimmed past its position while it was down', async () => {
    const gateway = await start();
    await suite.seeder.commit(LABEL, [{ path: API, content: '<api v="1"/>' }]);
    await expectTree({ [API]: '<api v="1"/>' });
    await stop(gateway);
    await suite.seeder.commit(LABEL, [{ path: EP, content: '<endpoint/>' }]);
    await suite.seeder.commit(LABEL, [{ path: API }]);
    await suite.seeder.commit(LABEL, [{ path: PLAN, content: '@Plan:name("p")' }], { maxlen: 1 });
    expect(await suite.client.xlen(redisKeys.stream(LABEL))).toBe(1);
    await start();
    await expectTree({ [EP]: '<endpoint/>', [PLAN]: '@Plan:name("p")' });
  });

  it('does a full sync again when entries were trimmed while it was busy, before it read them', async () => {
    const gateway = await start();
    let release: () => void = () => undefined;
    const held = gateway.ctx.queue.run(() => new Promise<void>((resolve) => {
      release = resolve;
    }));
    await suite.seeder.commit(LABEL, [{ path: API, content: '<api v="1"/>' }]);
    await waitFor(async () => (await pendingCount()) === 1, { message: 'first entry read and in hand' });
    await suite.seeder.commit(LABEL, [{ path: EP, content: '<endpoint/>' }]);
    await suite.seeder.commit(LABEL, [{ path: API, content: '<api v="2"/>' }]);
    await suite.seeder.commit(LABEL, [{ path: PLAN, content: '@Plan:name("p")' }], { maxlen: 1 });
    release();
    await held;
    await expectTree({ [API]: '<api v="2"/>', [EP]: '<endpoint/>', [PLAN]: '@Plan:name("p")' });
    await waitFor(async () => (await pendingCount()) === 0, { message: 'all acknowledged' });
  });

  it('does a full sync again when a pending entry comes back trimmed (nil fields)', async () => {
    const gateway = await start();
    await suite.seeder.commit(LABEL, [{ path: API, content: '<api v="1"/>' }]);
    await expectTree({ [API]: '<api v="1"/>' });
    await stop(gateway);
    const lost = await suite.seeder.commit(LABEL, [{ path: EP, content: '<endpoint/>' }]);
    await suite.client.xreadgroup('GROUP', consumerGroupName('gw-1'), 'gw-1', 'COUNT', 10, 'STREAMS', redisKeys.stream(LABEL), '>');
    await suite.client.xdel(redisKeys.stream(LABEL), lost);
    await start();
    await expectTree({ [API]: '<api v="1"/>', [EP]: '<endpoint/>' });
    await waitFor(async () => (await pendingCount()) === 0, { message: 'trimmed pending entry acknowledged' });
  });

  it('runs on_deploy after a batch lands and keeps syncing when it fails', async () => {
    const marker = join(suite.dir, 'hook-ran');
    await mkdir(suite.dir, { recursive: true });
    await start({ onDeploy: ['sh', '-c', `echo "$ARTISYNC_WRITTEN" >> ${marker}; exit 3`] });
    await suite.seeder.commit(LABEL, [{ path: API, content: '<api/>' }]);
    await waitFor(async () => (await readFile(marker, 'utf8').catch(() => '')).includes('1'), { message: 'hook output' });
    await suite.seeder.commit(LABEL, [{ path: EP, content: '<endpoint/>' }]);
    await expectTree({ [API]: '<api/>', [EP]: '<endpoint/>' });
  });
});

describe('replay', () => {
  it('re-applies the current version of every path in the rewound entries, never an older one', async () => {
    await start({ publisher: true });
    await suite.seeder.commit(LABEL, [{ path: API, content: '<api v="1"/>' }, { path: EP, content: '<endpoint/>' }]);
    const last = await suite.seeder.commit(LABEL, [{ path: API, content: '<api v="2"/>' }]);
    await expectTree({ [API]: '<api v="2"/>', [EP]: '<endpoint/>' });
    await suite.client.xgroup('SETID', redisKeys.stream(LABEL), consumerGroupName('gw-1'), '0');
    await waitFor(async () => (await lastDelivered()) === last && (await pendingCount()) === 0, { message: 'replayed entries acknowledged' });
    await expectTree({ [API]: '<api v="2"/>', [EP]: '<endpoint/>' });
  });

  it('leaves a file changed on a publishing node to its publisher when a replay re-checks it', async () => {
    await start({ publisher: true });
    const last = await suite.seeder.commit(LABEL, [{ path: API, content: '<api v="1"/>' }, { path: EP, content: '<endpoint/>' }]);
    await expectTree({ [API]: '<api v="1"/>', [EP]: '<endpoint/>' });
    await writeFile(join(suite.dir, 'server', EP), '<endpoint edited="yes"/>');
    await suite.client.xgroup('SETID', redisKeys.stream(LABEL), consumerGroupName('gw-1'), '0');
    await waitFor(async () => (await lastDelivered()) === last && (await pendingCount()) === 0, { message: 'replayed entries acknowledged' });
    await expectTree({ [API]: '<api v="1"/>', [EP]: '<endpoint edited="yes"/>' });
  });
});

describe('changeset order', () => {
  it('renames the endpoints of a changeset before the API that names them', async () => {
    const renames: string[] = [];
    const fs = { ...nodeFs, rename: async (from: string, to: string) => {
      if (to.startsWith(join(suite.dir, 'server'))) renames.push(to.slice(join(suite.dir, 'server').length + 1));
      await nodeFs.rename(from, to);
    } } as unknown as NonNullable<HarnessOptions['fs']>;
    await start({ fs });
    const EP2 = 'synapse-configs/default/endpoints/PizzaShackAPI--v1.0.0_APIsandboxEndpoint.xml';
    await suite.seeder.commit(LABEL, [{ path: API, content: '<api/>' }, { path: EP, content: '<endpoint/>' }, { path: EP2, content: '<endpoint/>' }]);
    await expectTree({ [API]: '<api/>', [EP]: '<endpoint/>', [EP2]: '<endpoint/>' });
    expect(renames).toEqual([EP, EP2, API]);
  });

  it('refuses paths from Redis that would escape the trees', async () => {
    await suite.seeder.commit(LABEL, [{ path: 'synapse-configs/default/../../../escaped.xml', content: '<api/>' }, { path: EP, content: '<endpoint/>' }]);
    await start();
    await expectTree({ [EP]: '<endpoint/>' });
    await expect(readFile(join(suite.dir, 'escaped.xml'), 'utf8')).rejects.toThrow(/ENOENT/);
  });
});

describe('drift check', () => {
  it('repairs a head changed in Redis without a stream event, and counts it', async () => {
    const gateway = await start();
    await suite.seeder.commit(LABEL, [{ path: API, content: '<api v="1"/>' }, { path: EP, content: '<endpoint/>' }]);
    await expectTree({ [API]: '<api v="1"/>', [EP]: '<endpoint/>' });
    const clean = await gateway.verifyNow();
    expect(clean).toMatchObject({ ok: true, repaired: 0 });
    await suite.seeder.plantHead(LABEL, { path: API, content: '<api v="planted"/>' });
    await suite.seeder.plantHead(LABEL, { path: EP });
    const result = await gateway.verifyNow();
    expect(result).toMatchObject({ ok: false, repaired: 2 });
    await expectTree({ [API]: '<api v="planted"/>' });
    expect(gateway.report().lastVerification).toMatchObject({ ok: false, repaired: 2 });
  });

  it('tries a repair again when its rename failed, instead of taking the staged version as landed', async () => {
    let failRenames = false;
    const fs = { ...nodeFs, rename: async (from: string, to: string) => {
      if (failRenames && to.endsWith(API)) throw Object.assign(new Error(`EIO: i/o error, rename '${to}'`), { code: 'EIO' });
      return nodeFs.rename(from, to);
    } } as unknown as NonNullable<HarnessOptions['fs']>;
    const gateway = await start({ fs });
    await suite.seeder.commit(LABEL, [{ path: API, content: '<api v="1"/>' }]);
    await expectTree({ [API]: '<api v="1"/>' });
    await suite.seeder.plantHead(LABEL, { path: API, content: '<api v="planted"/>' });
    failRenames = true;
    await expect(gateway.verifyNow()).rejects.toThrow(/EIO/);
    expect(await readFile(join(suite.dir, 'server', API), 'utf8')).toBe('<api v="1"/>');
    failRenames = false;
    expect(await gateway.verifyNow()).toMatchObject({ ok: false, repaired: 1 });
    await expectTree({ [API]: '<api v="planted"/>' });
  });

  it('reports applied revision per label in its heartbeat part', async () => {
    const gateway = await start();
    const revision = await suite.seeder.commit(LABEL, [{ path: API, content: '<api/>' }]);
    await waitFor(() => gateway.report().gatewayLabels?.[LABEL]?.appliedRevision === revision, { message: 'applied revision' });
  });

  it('gets past a delivered version whose blob Redis lost once the hub has a later one', async () => {
    const gateway = await start({ retryMs: 100 });
    await suite.seeder.commit(LABEL, [{ path: API, content: '<api v="1"/>' }]);
    await expectTree({ [API]: '<api v="1"/>' });
    let release: () => void = () => undefined;
    const held = gateway.ctx.queue.run(() => new Promise<void>((resolve) => {
      release = resolve;
    }));
    await suite.seeder.commit(LABEL, [{ path: API, content: '<api v="2"/>' }]);
    await waitFor(async () => (await pendingCount()) === 1, { message: 'v2 delivered and waiting' });
    await suite.client.del(redisKeys.blob(sha256Of(Buffer.from('<api v="2"/>'))));
    release();
    await held;
    await waitFor(() => gateway.report().gatewayLabels?.[LABEL]?.failing?.paths.includes(API) === true, { message: 'v2 failing: its blob is gone' });
    const third = await suite.seeder.commit(LABEL, [{ path: API, content: '<api v="3"/>' }]);
    await expectTree({ [API]: '<api v="3"/>' });
    await waitFor(() => {
      const state = gateway.report().gatewayLabels?.[LABEL];
      return state?.state === 'ok' && state.pendingEntries === 0 && state.appliedRevision === third;
    }, { message: 'ok at v3, nothing pending' });
  });

  it('reports a label whose writes fail as failing (paths and error), behind the head, and ok once they land', async () => {
    let failRenames = false;
    const fs = { ...nodeFs, rename: async (from: string, to: string) => {
      if (failRenames && to.endsWith(API)) throw Object.assign(new Error(`EPERM: operation not permitted, rename '${to}'`), { code: 'EPERM' });
      return nodeFs.rename(from, to);
    } } as unknown as NonNullable<HarnessOptions['fs']>;
    const gateway = await start({ fs, retryMs: 100 });
    const first = await suite.seeder.commit(LABEL, [{ path: API, content: '<api v="1"/>' }]);
    await waitFor(() => gateway.report().gatewayLabels?.[LABEL]?.state === 'ok' && gateway.report().gatewayLabels?.[LABEL]?.headRevision === first, { message: 'ok at the first commit' });
    failRenames = true;
    const second = await suite.seeder.commit(LABEL, [{ path: API, content: '<api v="2"/>' }]);
    const failing = await waitFor(() => {
      const state = gateway.report().gatewayLabels?.[LABEL];
      return state?.state === 'failing' && state.headRevision === second ? state : undefined;
    }, { message: 'the label reported failing' });
    expect(failing).toMatchObject({ appliedRevision: first, failing: { count: 1, paths: [API] } });
    expect(failing.failing?.reason).toMatch(/EPERM/);
    expect(failing.lag).toBeGreaterThanOrEqual(1);
    failRenames = false;
    await waitFor(() => {
      const state = gateway.report().gatewayLabels?.[LABEL];
      return state?.state === 'ok' && state.failing === undefined && state.lag === 0 && state.pendingEntries === 0 && state.appliedRevision === second;
    }, { timeoutMs: 20_000, message: 'ok again once the write lands' });
  });
});
