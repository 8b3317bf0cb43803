// Unit tests of `artisync up`'s pure parts: the generated configs and the live lines read from agent logs.
import { parse as parseToml } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../core/config-schema.js';
import { describeAgentLogLine } from '../../cli/agent-log-line.js';
import { commandHint } from '../../cli/invocation-hint.js';
import { LOCAL_AGENTS, LOCAL_LABEL, localAgentToml, localHubToml } from '../../cli/local-cluster-config.js';

const layout = { dir: '/tmp/demo "x"', redisPort: 6400, hubPort: 7500, adminPorts: { publisher: 7501, 'gateway-1': 7502, 'gateway-2': 7503 }, gatewayRedisPassword: 'pw1' };
const sources = (text: string) => ({ file: parseToml(text), filePath: 'generated', env: new Map(), flags: new Map() });

describe('local cluster configs', () => {
  it('the hub runs without tokens on the private Redis', () => {
    const hub = resolveConfig('hub', sources(localHubToml(layout)));
    expect(hub).toMatchObject({ listen: '127.0.0.1:7500', redis_url: 'redis://127.0.0.1:6400/0', insecure: true });
  });

  it('one publisher and two gateways, each with its own tree, state_dir and admin port', () => {
    const configs = LOCAL_AGENTS.map((agent) => resolveConfig('agent', sources(localAgentToml(layout, agent))));
    expect(configs.map((config) => config.server_root)).toEqual(['/tmp/demo "x"/publisher', '/tmp/demo "x"/gateway-1', '/tmp/demo "x"/gateway-2']);
    expect(new Set(configs.map((config) => config.admin_listen)).size).toBe(3);
    expect(new Set(configs.map((config) => config.state_dir)).size).toBe(3);
    const [publisher, gateway] = configs;
    expect(publisher?.publisher).toMatchObject({ enabled: true, labels: [LOCAL_LABEL] });
    expect(publisher?.gateway.enabled).toBe(false);
    expect(gateway?.gateway).toMatchObject({ enabled: true, gateway_labels: [LOCAL_LABEL] });
    expect(gateway?.publisher.enabled).toBe(false);
    expect(publisher?.redis_url).toBe('redis://127.0.0.1:6400/0');
    expect(configs.slice(1).map((config) => config.redis_url)).toEqual(['redis://artisync-gateway:pw1@127.0.0.1:6400/0', 'redis://artisync-gateway:pw1@127.0.0.1:6400/0']);
  });
});

describe('describeAgentLogLine', () => {
  const line = (fields: Record<string, unknown>): string => JSON.stringify({ level: 30, time: 0, node: 'n', ...fields });

  it('shows an applied artifact with version and label', () => {
    expect(describeAgentLogLine('gateway-1', line({ msg: 'artifact applied', path: 'synapse-configs/default/api/a.xml', version: 2, label: 'P' })))
      .toBe('gateway-1  ← put synapse-configs/default/api/a.xml v2 (P)');
  });

  it('shows pushes, removals, overrides and refusals', () => {
    expect(describeAgentLogLine('publisher', line({ msg: 'artifact pushed', path: 'p.xml', version: 1 }))).toBe('publisher  → p.xml v1');
    expect(describeAgentLogLine('gateway-2', line({ msg: 'artifact removed', path: 'p.xml' }))).toBe('gateway-2  ← delete p.xml');
    expect(describeAgentLogLine('gateway-2', line({ msg: 'undeployed on this node', path: 'p.xml' }))).toBe('gateway-2  ✗ p.xml removed');
    expect(describeAgentLogLine('gateway-1', line({ msg: 'override detected', path: 'p.xml' }))).toBe('gateway-1  ! p.xml (override detected)');
    expect(describeAgentLogLine('publisher', line({ msg: 'artifact invalid', path: 'p.xml', err: { message: 'not well-formed' } }))).toBe('publisher  refused p.xml: not well-formed');
    expect(describeAgentLogLine('publisher', line({ level: 40, msg: 'invalid artifact not published', path: 'p.xml', reason: 'unclosed tag' }))).toBe('publisher  refused p.xml: unclosed tag');
  });

  it('tells published puts from deletes, and shows held hub updates and replays', () => {
    expect(describeAgentLogLine('publisher', line({ msg: 'artifact published', path: 'p.xml', op: 'put', version: 3, label: 'P' }))).toBe('publisher  → put p.xml v3 (P)');
    expect(describeAgentLogLine('publisher', line({ msg: 'artifact published', path: 'p.xml', op: 'delete', version: 4, label: 'P' }))).toBe('publisher  → delete p.xml v4 (P)');
    expect(describeAgentLogLine('gateway-1', line({ msg: 'hub update held: the path is overridden on this node', path: 'p.xml', version: 5, label: 'P' })))
      .toBe('gateway-1  ‖ p.xml v5 (P) held: overridden here (override clear releases it)');
    expect(describeAgentLogLine('gateway-2', line({ msg: 'replayed entries re-applied', paths: 4, written: 0, removed: 0 }))).toBe('gateway-2  ↺ replay: 4 paths looked at, 0 written, 0 removed');
  });

  it('summarises changesets applied by count', () => {
    expect(describeAgentLogLine('gateway-1', line({ msg: 'changesets applied', written: 3, removed: 1, entries: 2 }))).toBe('gateway-1  ← 3 written, 1 removed (changesets applied)');
    expect(describeAgentLogLine('gateway-2', line({ level: 40, msg: 'drift repaired', written: ['a', 'b'], removed: [] }))).toBe('gateway-2  ← 2 written, 0 removed (drift repaired)');
    expect(describeAgentLogLine('gateway-2', line({ msg: 'startup sync done', written: 0, removed: 0 }))).toBeUndefined();
  });

  it('shows errors and stays quiet about everything else', () => {
    expect(describeAgentLogLine('gateway-1', line({ level: 50, msg: 'redis unavailable', err: { message: 'ECONNREFUSED' } }))).toBe('gateway-1  error: redis unavailable: ECONNREFUSED');
    expect(describeAgentLogLine('publisher', line({ level: 40, msg: 'hub unreachable; changes kept pending' }))).toBe('publisher  warning: hub unreachable; changes kept pending');
    expect(describeAgentLogLine('gateway-1', line({ msg: 'agent started' }))).toBeUndefined();
    expect(describeAgentLogLine('gateway-1', 'not json')).toBeUndefined();
    expect(describeAgentLogLine('gateway-1', '{broken')).toBeUndefined();
  });
});

describe('commandHint', () => {
  const entryScript = '/repo/dist/cli/main.js';
  it('says artisync for an installed binary PATH finds, its full path when PATH does not', () => {
    const installed = { argv1: '/opt/x/bin/artisync', realArgv1: '/opt/x/lib/node_modules/artisync/dist/cli/main.js', entryScript, cwd: '/home/u' };
    expect(commandHint({ ...installed, onPath: installed.realArgv1 })).toBe('artisync');
    expect(commandHint({ ...installed, onPath: undefined })).toBe('/opt/x/bin/artisync');
    expect(commandHint({ ...installed, onPath: '/usr/lib/node_modules/artisync/dist/cli/main.js' })).toBe('/opt/x/bin/artisync');
  });

  it('says node dist/cli/main.js from a checkout, relative to the working folder when it is inside it', () => {
    expect(commandHint({ argv1: entryScript, realArgv1: entryScript, entryScript, cwd: '/repo', onPath: undefined })).toBe('node dist/cli/main.js');
    expect(commandHint({ argv1: entryScript, realArgv1: entryScript, entryScript, cwd: '/elsewhere', onPath: undefined })).toBe('node /repo/dist/cli/main.js');
  });
});
