// Drift checks and `verify` against the hub's heads in Redis and the disk, labels that cannot be compared, and hand edits
// made while replayed entries wait to be re-checked.
import * as nodeFs from 'node:fs/promises';
import { link, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { GatewayRole } from '../../agent/gateway/gateway-role.js';
import { consumerGroupName, redisKeys } from '../../core/redis-keys.js';
import { waitFor } from '../support/wait-for.js';
import { useGatewaySuite, type HarnessOptions } from './gateway-harness.js';
import { handAt } from './hand-edits.js';

const LABEL = 'Production and Sandbox';
const API = 'synapse-configs/default/api/admin--PizzaShackAPI_v1.0.0.xml';
const EP = 'synapse-configs/default/endpoints/ep.xml';

const suite = useGatewaySuite('artisync-drift-', [LABEL]);
const { start, stop } = suite;

const { file, content, handWrite } = handAt(() => join(suite.dir, 'server'));

async function synced(gateway: GatewayRole, path: string, text: string): Promise<void> {
  await waitFor(async () => (await content(path)) === text && gateway.isReady(), { message: `${path} = ${text}` });
}

async function pendingEntries(): Promise<number> {
  const summary = (await suite.client.xpending(redisKeys.stream(LABEL), consumerGroupName('gw-1'))) as [number, ...unknown[]];
  return summary[0];
}

/** Holds the gateway's queue until released: whatever is queued meanwhile (a batch, a watcher check) runs in order after. */
function holdQueue(gateway: GatewayRole): { release: () => void; done: Promise<void> } {
  let release: () => void = () => undefined;
  const done = gateway.ctx.queue.run(() => new Promise<void>((resolve) => {
    release = resolve;
  }));
  return { release: () => release(), done };
}

describe('drift check against the disk', () => {
  it('finds a file changed on disk that no event reported (publishing node: no watcher), and leaves it for the publisher', async () => {
    const gateway = await start({ publisher: true });
    await suite.seeder.commit(LABEL, [{ path: API, content: '<api v="1"/>' }, { path: EP, content: '<endpoint/>' }]);
    await synced(gateway, EP, '<endpoint/>');
    expect((await gateway.verifyNow()).ok).toBe(true);
    await handWrite(API, '<api edited="behind the agent"/>');
    await rm(file(EP));
    const round = await gateway.verifyNow();
    expect(round).toMatchObject({ ok: false, drift: 2, repaired: 0 });
    expect(gateway.report().lastVerification).toMatchObject({ ok: false, drift: 2 });
    expect(await content(API)).toBe('<api edited="behind the agent"/>');
    const report = await gateway.admin.verify();
    expect(report).toMatchObject({ ok: false, stale: [API], missing: [EP], extra: [], overridden: [] });
  });

  it('holds a hand edit no watcher event reported as an override on a gateway-only node', async () => {
    const gateway = await start();
    await suite.seeder.commit(LABEL, [{ path: API, content: '<api v="1"/>' }]);
    await synced(gateway, API, '<api v="1"/>');
    // The gateway's own write of v1 raised an event that may still be on its way; checked after the edit below, it
    // would find the edit. A hand-added file in the same folder, once held, shows every earlier event there was checked.
    const MARKER = 'synapse-configs/default/api/marker.xml';
    await handWrite(MARKER, '<api marker="yes"/>');
    await waitFor(() => gateway.admin.overrides().some((item) => item.path === MARKER), { message: 'marker held as an override' });
    // Written through a second name outside the watched folders: same inode, new bytes, and no event names the artifact.
    const alias = join(suite.dir, 'alias.xml');
    await link(file(API), alias);
    await writeFile(alias, '<api edited="unseen"/>');
    expect(await content(API)).toBe('<api edited="unseen"/>');
    const apiOverrides = (): unknown[] => gateway.admin.overrides().filter((item) => item.path === API);
    expect(apiOverrides()).toEqual([]);
    const round = await gateway.verifyNow();
    expect(round).toMatchObject({ ok: false, drift: 1, repaired: 0 });
    expect(apiOverrides()).toEqual([expect.objectContaining({ path: API, kind: 'changed' })]);
    expect(await content(API)).toBe('<api edited="unseen"/>');
  });

  it('hashes only files whose stat changed between rounds', async () => {
    const gateway = await start({ publisher: true });
    await suite.seeder.commit(LABEL, [{ path: API, content: '<api v="1"/>' }, { path: EP, content: '<endpoint/>' }]);
    await synced(gateway, EP, '<endpoint/>');
    await gateway.verifyNow();
    await gateway.verifyNow();
    expect(gateway.ctx.diskPrints.hashedLastScan).toBe(0);
    await handWrite(EP, '<endpoint changed="yes"/>');
    await gateway.verifyNow();
    expect(gateway.ctx.diskPrints.hashedLastScan).toBe(1);
  });
});

describe('labels that cannot be compared', () => {
  it('reports a label whose delivery was lost as not-compared, never ok, and repairs it from a snapshot at the second round', async () => {
    let armed = false;
    let parked: (() => void) | undefined;
    const fs = { ...nodeFs, rename: async (from: string, to: string) => {
      if (armed && to === file(API)) {
        armed = false;
        await new Promise<void>((resolve) => {
          parked = resolve;
        });
      }
      return nodeFs.rename(from, to);
    } } as unknown as NonNullable<HarnessOptions['fs']>;
    const gateway = await start({ fs });
    await suite.seeder.commit(LABEL, [{ path: API, content: '<api v="1"/>' }]);
    await synced(gateway, API, '<api v="1"/>');
    armed = true;
    await suite.seeder.commit(LABEL, [{ path: API, content: '<api v="2"/>' }]);
    await waitFor(() => parked, { message: 'gateway busy landing v2' });
    // While the gateway is not reading, the next entry is delivered to another consumer of its group (the consumer's own
    // pending re-reads cannot find it): only the drift check can tell the node never applied it.
    const lost = await suite.seeder.commit(LABEL, [{ path: EP, content: '<endpoint/>' }]);
    const stolen = (await suite.client.call('XREADGROUP', 'GROUP', consumerGroupName('gw-1'), 'elsewhere', 'COUNT', '10', 'STREAMS', redisKeys.stream(LABEL), '>')) as unknown[];
    expect(stolen).toHaveLength(1);
    parked?.();
    await synced(gateway, API, '<api v="2"/>');
    const first = await gateway.verifyNow();
    expect(first.ok).toBe(false);
    expect(first.labels[LABEL]?.state).toBe('not-compared');
    expect(first.labels[LABEL]?.reason).toContain(lost);
    expect(gateway.report().lastVerification?.labels?.[LABEL]?.state).toBe('not-compared');
    expect(gateway.report().gatewayLabels?.[LABEL]?.verification).toBe('not-compared');
    expect(await content(EP)).toBeNull();
    const second = await gateway.verifyNow();
    expect(second).toMatchObject({ ok: false, labels: { [LABEL]: { state: 'repaired' } } });
    expect(await content(EP)).toBe('<endpoint/>');
    expect(await gateway.verifyNow()).toMatchObject({ ok: true, labels: { [LABEL]: { state: 'ok' } } });
  });

  it('reports labels it cannot read from Redis as not-compared instead of failing the round', async () => {
    const gateway = await start();
    await suite.seeder.commit(LABEL, [{ path: API, content: '<api v="1"/>' }]);
    await synced(gateway, API, '<api v="1"/>');
    await suite.redis.kill();
    const round = await gateway.verifyNow();
    expect(round.ok).toBe(false);
    expect(round.labels[LABEL]?.state).toBe('not-compared');
    expect(round.labels[LABEL]?.reason).toMatch(/^redis: /);
    expect(gateway.report().lastVerification?.labels?.[LABEL]?.state).toBe('not-compared');
    await suite.redis.restart();
    await waitFor(async () => (await gateway.verifyNow()).ok, { message: 'compared again once Redis is back' });
  });
});

describe('verify', () => {
  it('compares the disk with the heads in Redis, not with the gateway view', async () => {
    const gateway = await start();
    await suite.seeder.commit(LABEL, [{ path: API, content: '<api v="1"/>' }, { path: EP, content: '<endpoint/>' }]);
    await synced(gateway, EP, '<endpoint/>');
    expect(await gateway.admin.verify()).toMatchObject({ ok: true, missing: [], stale: [], extra: [] });
    await suite.seeder.plantHead(LABEL, { path: API, content: '<api v="planted"/>' });
    await suite.seeder.plantHead(LABEL, { path: EP });
    await suite.seeder.plantHead(LABEL, { path: 'executionplans/new.siddhiql', content: '@Plan:name("new")' });
    const report = await gateway.admin.verify();
    expect(report).toMatchObject({ ok: false, missing: ['executionplans/new.siddhiql'], stale: [API], extra: [EP], overridden: [] });
    expect(Object.keys(report.revisions)).toEqual([LABEL]);
  });

  it('is not ok while an override exists', async () => {
    const gateway = await start();
    await suite.seeder.commit(LABEL, [{ path: API, content: '<api v="1"/>' }]);
    await synced(gateway, API, '<api v="1"/>');
    await handWrite(API, '<api debug="true"/>');
    await waitFor(() => gateway.admin.overrides().length === 1, { message: 'override held' });
    expect(await gateway.admin.verify()).toMatchObject({ ok: false, missing: [], stale: [], extra: [], overridden: [API] });
  });
});

describe('hand edits while replayed entries wait (gateway-only node)', () => {
  it('keeps a hand edit made after the gateway last wrote the file when `replay` re-checks it', async () => {
    const gateway = await start();
    await suite.seeder.commit(LABEL, [{ path: API, content: '<api v="1"/>' }, { path: EP, content: '<endpoint/>' }]);
    await synced(gateway, EP, '<endpoint/>');
    const queue = holdQueue(gateway);
    await suite.client.xgroup('SETID', redisKeys.stream(LABEL), consumerGroupName('gw-1'), '0');
    await waitFor(async () => (await pendingEntries()) === 1, { message: 'replayed entry delivered and queued' });
    await handWrite(API, '<api debug="during replay"/>');
    queue.release();
    await waitFor(async () => (await pendingEntries()) === 0, { message: 'replayed entry acknowledged' });
    await gateway.ctx.queue.idle();
    expect(await content(API)).toBe('<api debug="during replay"/>');
    expect(gateway.admin.overrides()).toEqual([expect.objectContaining({ path: API, kind: 'changed' })]);
  });

  it('keeps hand edits and deletes made after the startup sync and before entries committed while it was down are consumed', async () => {
    let gateway = await start();
    await suite.seeder.commit(LABEL, [{ path: API, content: '<api v="1"/>' }, { path: EP, content: '<endpoint v="1"/>' }]);
    await synced(gateway, EP, '<endpoint v="1"/>');
    await stop(gateway);
    // Changed and changed back while down: the startup sync finds the disk right and writes nothing, so no watcher
    // check of its own writes is queued ahead of the two old entries.
    await suite.seeder.commit(LABEL, [{ path: API, content: '<api v="2"/>' }, { path: EP, content: '<endpoint v="2"/>' }]);
    await suite.seeder.commit(LABEL, [{ path: API, content: '<api v="1"/>' }, { path: EP, content: '<endpoint v="1"/>' }]);
    gateway = await start({ mode: 'sync' });
    const queue = holdQueue(gateway);
    await waitFor(async () => gateway.isReady() && (await pendingEntries()) === 2, { message: 'startup sync done, old entries delivered and queued' });
    await handWrite(API, '<api debug="after sync"/>');
    await rm(file(EP));
    queue.release();
    await waitFor(async () => (await pendingEntries()) === 0, { message: 'old entries acknowledged' });
    await gateway.ctx.queue.idle();
    expect(await content(API)).toBe('<api debug="after sync"/>');
    expect(await content(EP)).toBeNull();
    expect(gateway.admin.overrides().map((item) => `${item.kind} ${item.path}`)).toEqual([`changed ${API}`, `deleted ${EP}`]);
  });
});
