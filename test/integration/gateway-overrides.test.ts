// Manual drop for debugging: hand edits on a gateway-only node are held, survive restarts, and `override clear` undoes them.
import { execFile } from 'node:child_process';
import * as nodeFs from 'node:fs/promises';
import { readFile, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { GatewayRole } from '../../agent/gateway/gateway-role.js';
import { sha256Of } from '../../core/blob-codec.js';
import { consumerGroupName, redisKeys } from '../../core/redis-keys.js';
import { waitFor } from '../support/wait-for.js';
import { useGatewaySuite, type HarnessOptions } from './gateway-harness.js';
import { handAt } from './hand-edits.js';

const LABEL = 'Production and Sandbox';
const API = 'synapse-configs/default/api/admin--PizzaShackAPI_v1.0.0.xml';
const EP = 'synapse-configs/default/endpoints/ep.xml';
const HAND = 'synapse-configs/default/sequences/debug.xml';

const suite = useGatewaySuite('artisync-ovr-', [LABEL]);
const { start, stop } = suite;

async function pendingEntries(): Promise<number> {
  const summary = (await suite.client.xpending(redisKeys.stream(LABEL), consumerGroupName('gw-1'))) as [number, ...unknown[]];
  return summary[0];
}

const { file, content, handWrite } = handAt(() => join(suite.dir, 'server'));

/**
 * A filesystem that edits `path` by hand once, when armed, as the gateway opens a temp beside it: after the gateway's
 * first look at the file and before its rename, the window a person's save can fall into.
 */
function editWhileStaging(path: string, text: string): { fs: NonNullable<HarnessOptions['fs']>; arm: () => void; fired: () => boolean } {
  let armed = false;
  let fired = false;
  const fs = { ...nodeFs, open: async (target: string, flags: string, mode?: number) => {
    if (armed && dirname(target) === dirname(file(path)) && basename(target).startsWith('.artisync-')) {
      armed = false;
      fired = true;
      await handWrite(path, text);
    }
    return nodeFs.open(target, flags, mode);
  } } as unknown as NonNullable<HarnessOptions['fs']>;
  return { fs, arm: () => (armed = true), fired: () => fired };
}

/** Occupies the gateway's queue until released, so the next update waits while a test edits by hand. */
function holdQueue(gateway: GatewayRole): { release: () => void; held: Promise<void> } {
  let release: () => void = () => undefined;
  const held = gateway.ctx.queue.run(() => new Promise<void>((resolve) => {
    release = resolve;
  }));
  return { release: () => release(), held };
}

async function synced(gateway: GatewayRole, path: string, text: string): Promise<void> {
  await waitFor(async () => (await content(path)) === text && gateway.isReady(), { message: `${path} = ${text}` });
}

describe('overrides on a gateway-only node', () => {
  it('holds a file edited by hand while running, records hub updates without writing them, and clear restores the hub', async () => {
    const gateway = await start();
    await suite.seeder.commit(LABEL, [{ path: API, content: '<api v="1"/>' }]);
    await synced(gateway, API, '<api v="1"/>');
    await handWrite(API, '<api debug="true"/>');
    await waitFor(() => gateway.admin.overrides().some((item) => item.path === API && item.kind === 'changed'), { message: 'override seen' });
    await suite.seeder.commit(LABEL, [{ path: API, content: '<api v="2"/>' }, { path: EP, content: '<endpoint/>' }]);
    await synced(gateway, EP, '<endpoint/>');
    expect(await content(API)).toBe('<api debug="true"/>');
    expect(gateway.admin.overrides()[0]).toMatchObject({ path: API, hubVersion: 2 });
    expect(gateway.report().overrides).toEqual([API]);
    expect(gateway.admin.getArtifact(API).state).toBe('overridden');
    expect((await gateway.admin.clearOverrides({ path: API })).cleared).toEqual([API]);
    expect(await content(API)).toBe('<api v="2"/>');
    expect(gateway.admin.overrides()).toEqual([]);
  });

  it('sees files added by hand in a folder created after the agent started', async () => {
    const gateway = await start();
    await suite.seeder.commit(LABEL, [{ path: API, content: '<api v="1"/>' }]);
    await synced(gateway, API, '<api v="1"/>');
    const nested = 'synapse-configs/default/custom-mediators/debug/probe.xml';
    await handWrite(nested, '<sequence name="probe"/>');
    await waitFor(() => gateway.admin.overrides().some((item) => item.path === nested && item.kind === 'added'), { message: 'nested hand-added file held' });
    await rm(file(nested));
    await waitFor(() => gateway.admin.overrides().some((item) => item.path === nested && item.sha256 === null), { message: 'its removal seen' });
  });

  it('keeps a hand edit made just before a hub update lands, even when the watcher has not reported it yet', async () => {
    const gateway = await start();
    await suite.seeder.commit(LABEL, [{ path: API, content: '<api v="1"/>' }]);
    await synced(gateway, API, '<api v="1"/>');
    const { release, held } = holdQueue(gateway);
    await suite.seeder.commit(LABEL, [{ path: API, content: '<api v="2"/>' }]);
    await waitFor(async () => (await pendingEntries()) === 1, { message: 'update read and waiting' });
    await handWrite(API, '<api debug="race"/>');
    release();
    await held;
    await waitFor(async () => (await pendingEntries()) === 0, { message: 'update acknowledged' });
    expect(await content(API)).toBe('<api debug="race"/>');
    expect(gateway.admin.overrides()).toEqual([expect.objectContaining({ path: API, kind: 'changed', hubVersion: 2 })]);
  });

  it('holds a hand delete the hub also made, seen first by the update, so a later put of the path is not written', async () => {
    const gateway = await start();
    await suite.seeder.commit(LABEL, [{ path: API, content: '<api v="1"/>' }]);
    await synced(gateway, API, '<api v="1"/>');
    const { release, held } = holdQueue(gateway);
    await suite.seeder.commit(LABEL, [{ path: API }]);
    await waitFor(async () => (await pendingEntries()) === 1, { message: 'delete read and waiting' });
    await rm(file(API));
    release();
    await held;
    await waitFor(async () => (await pendingEntries()) === 0, { message: 'delete acknowledged' });
    expect(gateway.admin.overrides()).toEqual([expect.objectContaining({ path: API, kind: 'deleted' })]);
    await suite.seeder.commit(LABEL, [{ path: API, content: '<api v="3"/>' }, { path: EP, content: '<endpoint/>' }]);
    await synced(gateway, EP, '<endpoint/>');
    expect(await content(API)).toBeNull();
    expect(gateway.admin.overrides()).toEqual([expect.objectContaining({ path: API, kind: 'deleted', hubVersion: 3 })]);
  });

  it('keeps a same-size hand edit that leaves inode and mtime as the gateway wrote them when a hub update lands', async () => {
    const gateway = await start();
    await suite.seeder.commit(LABEL, [{ path: API, content: '<api v="1"/>' }]);
    await synced(gateway, API, '<api v="1"/>');
    const before = await nodeFs.stat(file(API), { bigint: true });
    // Written in place through a second name outside the watched folders, then the mtime put back to the nanosecond
    // (touch, as utimes takes a float): inode, size and mtime all as the gateway left them, so one stat cannot tell.
    const alias = join(suite.dir, 'alias.xml');
    await nodeFs.link(file(API), alias);
    await nodeFs.writeFile(alias, '<api v="X"/>');
    const nanos = String(before.mtimeNs % 1_000_000_000n).padStart(9, '0');
    await promisify(execFile)('touch', ['-m', '-d', `@${before.mtimeNs / 1_000_000_000n}.${nanos}`, alias]);
    expect((await nodeFs.stat(file(API), { bigint: true })).mtimeNs).toBe(before.mtimeNs);
    await suite.seeder.commit(LABEL, [{ path: API, content: '<api v="2"/>' }]);
    await waitFor(async () => (await pendingEntries()) === 0 && gateway.admin.overrides().length > 0, { message: 'update acknowledged and the edit held' });
    expect(await content(API)).toBe('<api v="X"/>');
    expect(gateway.admin.overrides()).toEqual([expect.objectContaining({ path: API, kind: 'changed' })]);
  });

  it('keeps a hand edit saved while a hub update is being staged, after the gateway last looked at the file', async () => {
    const window = editWhileStaging(API, '<api debug="window"/>');
    const gateway = await start({ fs: window.fs });
    await suite.seeder.commit(LABEL, [{ path: API, content: '<api v="1"/>' }]);
    await synced(gateway, API, '<api v="1"/>');
    window.arm();
    await suite.seeder.commit(LABEL, [{ path: API, content: '<api v="2"/>' }, { path: EP, content: '<endpoint/>' }]);
    await synced(gateway, EP, '<endpoint/>');
    await waitFor(async () => (await pendingEntries()) === 0, { message: 'update acknowledged' });
    expect(window.fired()).toBe(true);
    expect(await content(API)).toBe('<api debug="window"/>');
    expect(gateway.admin.overrides()).toEqual([expect.objectContaining({ path: API, kind: 'changed', hubVersion: 2 })]);
    await gateway.verifyNow();
    expect(await content(API)).toBe('<api debug="window"/>');
    expect((await gateway.admin.clearOverrides({ path: API })).cleared).toEqual([API]);
    expect(await content(API)).toBe('<api v="2"/>');
  });

  it('keeps a hand edit saved during startup sync, after the disk was scanned', async () => {
    let gateway = await start();
    await suite.seeder.commit(LABEL, [{ path: API, content: '<api v="1"/>' }]);
    await synced(gateway, API, '<api v="1"/>');
    await stop(gateway);
    await suite.seeder.commit(LABEL, [{ path: API, content: '<api v="2"/>' }]);
    const window = editWhileStaging(API, '<api debug="startup"/>');
    window.arm();
    gateway = await start({ fs: window.fs, mode: 'sync' });
    await waitFor(() => gateway.isReady(), { message: 'startup sync done' });
    expect(window.fired()).toBe(true);
    expect(await content(API)).toBe('<api debug="startup"/>');
    expect(gateway.admin.overrides()).toEqual([expect.objectContaining({ path: API, kind: 'changed', hubVersion: 2 })]);
    // The record still says v1 is ours, so a restart finds the same override rather than adopting the hand edit.
    await stop(gateway);
    gateway = await start({ mode: 'sync' });
    await waitFor(() => gateway.isReady(), { message: 'restarted' });
    expect(gateway.admin.overrides()).toEqual([expect.objectContaining({ path: API, kind: 'changed' })]);
    expect(await content(API)).toBe('<api debug="startup"/>');
  });

  it('recognises files changed, deleted and added while the agent was down, after the hub moved on', async () => {
    let gateway = await start();
    await suite.seeder.commit(LABEL, [{ path: API, content: '<api v="1"/>' }, { path: EP, content: '<endpoint v="1"/>' }]);
    await synced(gateway, EP, '<endpoint v="1"/>');
    await stop(gateway);
    await handWrite(API, '<api offline-edit="1"/>');
    await rm(file(EP));
    await handWrite(HAND, '<sequence name="debug"/>');
    await suite.seeder.commit(LABEL, [{ path: API, content: '<api v="2"/>' }, { path: EP, content: '<endpoint v="2"/>' }]);
    gateway = await start();
    await waitFor(() => gateway.isReady() && gateway.admin.overrides().length === 3, { message: 'three overrides' });
    expect(gateway.admin.overrides().map((item) => [item.path, item.kind])).toEqual([
      [API, 'changed'],
      [EP, 'deleted'],
      [HAND, 'added'],
    ]);
    await gateway.verifyNow();
    expect(await content(API)).toBe('<api offline-edit="1"/>');
    expect(await content(EP)).toBeNull();
    // Overrides survive another restart.
    await stop(gateway);
    gateway = await start();
    await waitFor(() => gateway.admin.overrides().length === 3, { message: 'overrides after restart' });
    const released = await gateway.admin.clearOverrides({ all: true });
    expect(released.cleared).toHaveLength(3);
    expect(released.backups).toEqual({ [API]: join(suite.dir, 'state', 'backup', API), [HAND]: join(suite.dir, 'state', 'backup', HAND) });
    expect(await content(API)).toBe('<api v="2"/>');
    expect(await content(EP)).toBe('<endpoint v="2"/>');
    expect(await content(HAND)).toBeNull();
    expect(await readFile(join(suite.dir, 'state', 'backup', HAND), 'utf8')).toBe('<sequence name="debug"/>');
    expect(await gateway.admin.verify()).toMatchObject({ ok: true });
  });

  it('undeploys on this node only until redeploy', async () => {
    const gateway = await start();
    await suite.seeder.commit(LABEL, [{ path: API, content: '<api v="1"/>' }]);
    await synced(gateway, API, '<api v="1"/>');
    await gateway.admin.undeploy(API);
    expect(await content(API)).toBeNull();
    await suite.seeder.commit(LABEL, [{ path: API, content: '<api v="2"/>' }, { path: EP, content: '<endpoint/>' }]);
    await synced(gateway, EP, '<endpoint/>');
    expect(await content(API)).toBeNull();
    expect(gateway.admin.getArtifact(API)).toMatchObject({ state: 'undeployed', hubVersion: 2 });
    await gateway.admin.redeploy(API);
    expect(await content(API)).toBe('<api v="2"/>');
    expect(gateway.admin.getArtifact(API).state).toBe('synced');
  });

  it('refuses to undeploy through a folder that is a symlink out of the server root, and the outside file survives', async () => {
    const gateway = await start();
    await suite.seeder.commit(LABEL, [{ path: API, content: '<api v="1"/>' }]);
    await synced(gateway, API, '<api v="1"/>');
    const outside = join(suite.dir, 'outside');
    await nodeFs.mkdir(outside, { recursive: true });
    await nodeFs.writeFile(join(outside, basename(API)), '<api v="1"/>');
    await rm(dirname(file(API)), { recursive: true });
    await nodeFs.symlink(outside, dirname(file(API)));
    await expect(gateway.admin.undeploy(API)).rejects.toThrow(API);
    expect(await readFile(join(outside, basename(API)), 'utf8')).toBe('<api v="1"/>');
  });
});

describe('publisher + gateway node', () => {
  it('tells the publisher which files are its own writes and makes no overrides of hand edits', async () => {
    const gateway = await start({ publisher: true });
    await suite.seeder.commit(LABEL, [{ path: API, content: '<api v="1"/>' }]);
    await synced(gateway, API, '<api v="1"/>');
    expect(gateway.isOwnWrite(API, sha256Of(Buffer.from('<api v="1"/>')))).toBe(true);
    expect(gateway.isOwnWrite(API, sha256Of(Buffer.from('<api other/>')))).toBe(false);
    await suite.seeder.commit(LABEL, [{ path: API }]);
    await waitFor(async () => (await content(API)) === null, { message: 'removed' });
    expect(gateway.isOwnWrite(API, null)).toBe(true);
    await handWrite(HAND, '<sequence/>');
    await stop(gateway);
    const again = await start({ publisher: true });
    await waitFor(() => again.isReady(), { message: 'ready' });
    expect(again.admin.overrides()).toEqual([]);
    expect(await content(HAND)).toBe('<sequence/>');
  });
});
