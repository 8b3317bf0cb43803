// A gateway's lag report: Redis is asked only for labels its stream consumer cannot vouch for, and a read that never
// returns (a half-open connection) stops vouching, so a stuck gateway reports `behind` instead of `ok`.
import * as nodeFs from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { GatewayRole } from '../../agent/gateway/gateway-role.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { waitFor } from '../support/wait-for.js';
import { readTree, useGatewaySuite, type HarnessOptions } from './gateway-harness.js';

const LABEL = 'Production and Sandbox';
const OTHER = 'Label1';
const API = 'synapse-configs/default/api/admin--PizzaShackAPI_v1.0.0.xml';
const HELD = 'synapse-configs/default/api/admin--HeldReply_v1.0.0.xml';
/** gateway-harness.ts sets heartbeat_interval = 200 ms; the gateway reads every label from Redis every 12th refresh. */
const REFRESH_MS = 200;

const suite = useGatewaySuite('artisync-lag-', [LABEL, OTHER]);
let proxy: TcpProxy | undefined;

afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
});

async function xpendingCalls(): Promise<number> {
  const stats = await suite.client.info('commandstats');
  return Number(/cmdstat_xpending:calls=(\d+)/.exec(stats)?.[1] ?? 0);
}

function stateOf(gateway: GatewayRole, label: string): string | undefined {
  return gateway.report().gatewayLabels?.[label]?.state;
}

describe('gateway lag refresh', () => {
  it('asks Redis for its positions only every 12th refresh while it waits with everything acked', async () => {
    const revision = await suite.seeder.commit(LABEL, [{ path: API, content: '<api v="1"/>' }]);
    const gateway = await suite.start({ readBlockMs: 1_000 });
    await waitFor(async () => (await readTree(join(suite.dir, 'server'))).get(API) === '<api v="1"/>', { message: `${API} on disk` });
    await waitFor(() => stateOf(gateway, LABEL) === 'ok' && stateOf(gateway, OTHER) === 'ok', { message: 'both labels ok' });
    // Each position read asks XPENDING once per label; before the vouching, one read went out every refresh.
    const readDone = async (after: number): Promise<number> => {
      await waitFor(async () => (await xpendingCalls()) >= after + 2, { timeoutMs: 10_000, intervalMs: 5, message: 'a position read of both labels' });
      return xpendingCalls();
    };
    const afterFirst = await readDone(await xpendingCalls());
    const first = Date.now();
    await readDone(afterFirst);
    const between = Date.now() - first;
    expect(between).toBeGreaterThanOrEqual(6 * REFRESH_MS);
    expect(gateway.report().gatewayLabels?.[LABEL]).toMatchObject({ state: 'ok', lag: 0, pendingEntries: 0, appliedRevision: revision, headRevision: revision });
  });

  it('reports a label behind when its blocking read never returns, instead of vouching for it', async () => {
    await suite.seeder.commit(LABEL, [{ path: API, content: '<api v="1"/>' }]);
    proxy = await TcpProxy.start(suite.redis.port);
    const gateway = await suite.start({ redisUrl: `redis://${proxy.address}/0`, readBlockMs: 300 });
    await waitFor(() => stateOf(gateway, LABEL) === 'ok', { message: `${LABEL} ok` });
    proxy.holdRepliesToRequestContaining('BLOCK');
    await waitFor(() => proxy?.heldConnections === 1, { message: 'the next blocking read issued and its replies held' });
    const revision = await suite.seeder.commit(LABEL, [{ path: HELD, content: '<api v="held"/>' }]);
    await waitFor(() => stateOf(gateway, LABEL) === 'behind', { timeoutMs: 10_000, message: `${LABEL} reported behind` });
    expect(gateway.report().gatewayLabels?.[LABEL]).toMatchObject({ headRevision: revision, lag: 1 });
    expect((await readTree(join(suite.dir, 'server'))).has(HELD)).toBe(false);
  });

  it('reports a label behind, by the batch in hand, while that batch cannot land', async () => {
    await suite.seeder.commit(LABEL, [{ path: API, content: '<api v="1"/>' }]);
    let release = (): void => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let held = false;
    const fs = { ...nodeFs, rename: async (from: string, to: string) => {
      if (to.endsWith(HELD)) {
        held = true;
        await gate;
      }
      return nodeFs.rename(from, to);
    } } as unknown as NonNullable<HarnessOptions['fs']>;
    const gateway = await suite.start({ fs, readBlockMs: 300 });
    await waitFor(() => stateOf(gateway, LABEL) === 'ok', { message: `${LABEL} ok` });
    const revision = await suite.seeder.commit(LABEL, [{ path: HELD, content: '<api v="held"/>' }]);
    await waitFor(() => held, { message: `the rename of ${HELD} under way` });
    await waitFor(() => stateOf(gateway, LABEL) === 'behind', { message: `${LABEL} reported behind while landing` });
    expect(gateway.report().gatewayLabels?.[LABEL]).toMatchObject({ headRevision: revision, pendingEntries: 1, lag: 1 });
    expect(stateOf(gateway, OTHER)).toBe('ok');
    release();
    await waitFor(() => gateway.report().gatewayLabels?.[LABEL]?.pendingEntries === 0, { message: `nothing pending on ${LABEL} once the batch landed` });
    expect(gateway.report().gatewayLabels?.[LABEL]).toMatchObject({ state: 'ok', appliedRevision: revision, headRevision: revision });
  });
});
