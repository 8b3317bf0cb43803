// How the hub confirms commits from what the server offers: WAITAOF on 7.2+, WAIT for replicas, appendfsync always alone.
import { describe, expect, it } from 'vitest';
import { hasWaitAof, planDurability } from '../../hub/store/commit-durability.js';

const settings = { replicas: 0, timeoutMs: 1000 };

describe('planDurability', () => {
  it('waits for the local AOF fsync with WAITAOF on Redis 7.2 and later', () => {
    expect(planDurability({ version: '7.2.4', appendonly: 'yes', appendfsync: 'everysec' }, settings)).toMatchObject({ command: 'waitaof', local: 1, replicas: 0, durable: true });
    expect(planDurability({ version: '8.0.1', appendonly: 'no', appendfsync: 'everysec' }, { ...settings, replicas: 1 })).toMatchObject({ command: 'waitaof', local: 0, replicas: 1, durable: true });
  });

  it('relies on appendfsync always on Redis 7.0, which has no WAITAOF', () => {
    expect(planDurability({ version: '7.0.15', appendonly: 'yes', appendfsync: 'always' }, settings)).toMatchObject({ command: 'none', durable: true });
  });

  it('uses WAIT when replicas are asked for and WAITAOF is missing', () => {
    expect(planDurability({ version: '7.0.15', appendonly: 'yes', appendfsync: 'everysec' }, { ...settings, replicas: 2 })).toMatchObject({ command: 'wait', replicas: 2, durable: true });
  });

  it('names the risk when nothing makes a commit durable', () => {
    const everysec = planDurability({ version: '7.0.15', appendonly: 'yes', appendfsync: 'everysec' }, settings);
    const off = planDurability({ version: '7.0.15', appendonly: 'no', appendfsync: 'always' }, settings);
    const unknown = planDurability({ version: undefined, appendonly: undefined, appendfsync: undefined }, settings);
    expect([everysec.durable, off.durable, unknown.durable]).toEqual([false, false, false]);
    expect(everysec.risk).toContain('appendfsync is everysec');
    expect(off.risk).toContain('appendonly is no');
    expect(unknown.risk).toContain('CONFIG not allowed');
  });

  it('reads versions', () => {
    expect([hasWaitAof('7.0.15'), hasWaitAof('7.2.0'), hasWaitAof('10.0.0'), hasWaitAof('6.2.14'), hasWaitAof(undefined), hasWaitAof('x')]).toEqual([false, true, true, false, false, false]);
  });
});
