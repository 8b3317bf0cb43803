// Heartbeat assembly, systemd readiness and admin listen parsing: the agent's small edges, without I/O.
import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { parseAdminListen } from '../../agent/admin/admin-listen.js';
import type { AgentRole } from '../../agent/agent-role.js';
import { buildHeartbeat } from '../../agent/heartbeat-sender.js';
import { notifySystemdWhenReady } from '../../agent/systemd-notify.js';
import { ConfigError } from '../../core/errors.js';

const silent = pino({ level: 'silent' });

function role(name: 'publisher' | 'gateway', ready: boolean, report: ReturnType<AgentRole['report']>): AgentRole {
  return { name, isReady: () => ready, report: () => report, stop: () => Promise.resolve() };
}

describe('buildHeartbeat', () => {
  it('merges the roles: labels with applied revision and lag, overrides, errors, readiness', () => {
    const gateway = role('gateway', false, {
      gatewayLabels: { L: { appliedRevision: '5-0', lag: 2 } },
      overrides: ['executionplans/p.siddhiql'],
      lastError: 'redis: down',
      lastVerification: { at: 1, ok: true, repaired: 0 },
    });
    const heartbeat = buildHeartbeat('gw-1', ['P'], [gateway, role('publisher', true, { pending: 3 })]);
    expect(heartbeat).toMatchObject({
      node: 'gw-1',
      roles: ['gateway', 'publisher'],
      publisherLabels: ['P'],
      gatewayLabels: { L: { appliedRevision: '5-0', lag: 2 } },
      overrides: ['executionplans/p.siddhiql'],
      pending: 3,
      lastError: 'gateway: redis: down',
      lastVerification: { at: 1, ok: true, repaired: 0 },
      ready: false,
    });
  });
});

describe('notifySystemdWhenReady', () => {
  it('does nothing without NOTIFY_SOCKET', async () => {
    const calls: string[] = [];
    const notifier = notifySystemdWhenReady({ env: {}, isReady: () => true, logger: silent, run: (file) => Promise.resolve(calls.push(file)) });
    await notifier.done;
    expect(calls).toEqual([]);
  });

  it('sends --ready only once the roles are ready (sync mode waits for the first sync)', async () => {
    const calls: string[][] = [];
    let ready = false;
    let checks = 0;
    const notifier = notifySystemdWhenReady({
      env: { NOTIFY_SOCKET: '/run/systemd/notify' },
      isReady: () => {
        checks += 1;
        if (checks === 3) ready = true;
        return ready;
      },
      logger: silent,
      pollMs: 1,
      run: (file, args) => Promise.resolve(calls.push([file, ...args])),
    });
    await notifier.done;
    expect(checks).toBe(3);
    expect(calls).toEqual([['systemd-notify', '--ready', `--pid=${process.pid}`]]);
  });
});

describe('parseAdminListen', () => {
  it('accepts loopback addresses', () => {
    expect(parseAdminListen('127.0.0.1:7421', false)).toEqual({ host: '127.0.0.1', port: 7421 });
  });

  it('refuses other addresses unless admin_allow_remote', () => {
    expect(() => parseAdminListen('0.0.0.0:7421', false)).toThrow(ConfigError);
    expect(parseAdminListen('0.0.0.0:7421', true)).toEqual({ host: '0.0.0.0', port: 7421 });
  });
});
