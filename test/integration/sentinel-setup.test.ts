// The Sentinel harness itself: ioredis finds the master through the Sentinels, and writes continue after the master is killed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SentinelSetup } from '../support/sentinel-setup.js';
import { waitFor } from '../support/wait-for.js';

let setup: SentinelSetup;

beforeAll(async () => {
  setup = await SentinelSetup.start();
});

afterAll(async () => {
  await setup.destroy();
});

describe('SentinelSetup', () => {
  it('gives a redis+sentinel URL naming three Sentinels and the master', () => {
    expect(setup.url).toMatch(/^redis\+sentinel:\/\/127\.0\.0\.1:\d+,127\.0\.0\.1:\d+,127\.0\.0\.1:\d+\/mymaster$/);
    expect(new Set(setup.sentinelPorts).size).toBe(3);
  });

  it('keeps replicated writes and accepts new ones after the master is killed', async () => {
    expect(await setup.currentMasterPort()).toBe(setup.master.port);
    const client = setup.client();
    try {
      await client.set('before', 'failover');
      expect(await client.call('WAIT', '1', '5000')).toBe(1);
      const { oldPort, newPort } = await setup.killMasterAndWaitForFailover();
      expect(oldPort).toBe(setup.master.port);
      expect(newPort).toBe(setup.replica.port);
      await waitFor(async () => (await client.set('after', 'failover')) === 'OK', { timeoutMs: 30_000, message: 'a write on the new master' });
      expect(await client.get('before')).toBe('failover');
      expect(await client.get('after')).toBe('failover');
      expect(await setup.currentMasterPort()).toBe(setup.replica.port);
    } finally {
      client.disconnect();
    }
  });
});
