// Config resolution: precedence flag > env > file > default, and one error naming the key for every bad input.
import { describe, expect, it } from 'vitest';
import { configKeySpecs, resolveConfig, type ConfigSources } from '../../core/config-schema.js';
import { ConfigError } from '../../core/errors.js';

function sources(partial: Partial<ConfigSources>): ConfigSources {
  return { file: {}, filePath: 'agent.toml', env: new Map(), flags: new Map(), ...partial };
}

describe('resolveConfig', () => {
  it('applies defaults when nothing is set', () => {
    const hub = resolveConfig('hub', sources({}));
    expect(hub.listen).toBe('127.0.0.1:7420');
    expect(hub.history_limit).toBe(50);
    expect(hub.conflict_policy).toBe('last-writer-wins');
  });

  it('ranks flag over env over file over default', () => {
    const file = { node_id: 'from-file', server_root: '/srv', publisher: { quiet_ms: 7, labels: ['a'] } };
    const fromFile = resolveConfig('agent', sources({ file }));
    expect(fromFile.publisher.quiet_ms).toBe(7);
    const fromEnv = resolveConfig('agent', sources({ file, env: new Map([['ARTISYNC_QUIET_MS', '9'], ['ARTISYNC_NODE_ID', 'env-node']]) }));
    expect(fromEnv.publisher.quiet_ms).toBe(9);
    expect(fromEnv.node_id).toBe('env-node');
    const fromFlag = resolveConfig('agent', sources({ file, env: new Map([['ARTISYNC_QUIET_MS', '9']]), flags: new Map([['quiet-ms', '11']]) }));
    expect(fromFlag.publisher.quiet_ms).toBe(11);
    expect(fromFlag.publisher.labels).toEqual(['a']);
  });

  it('splits comma-separated lists and names section booleans after their section', () => {
    const config = resolveConfig('agent', sources({
      file: { node_id: 'n', server_root: '/srv' },
      flags: new Map<string, string | boolean>([['gateway-labels', 'Production and Sandbox, Label1'], ['gateway-enabled', true]]),
    }));
    expect(config.gateway.gateway_labels).toEqual(['Production and Sandbox', 'Label1']);
    expect(config.gateway.enabled).toBe(true);
    expect(configKeySpecs('agent').map((spec) => spec.flag)).toContain('publisher-enabled');
  });

  it('fills node_id from the fallback only when no source sets it', () => {
    const config = resolveConfig('agent', sources({ file: { server_root: '/srv' }, fallbacks: { node_id: 'host-a' } }));
    expect(config.node_id).toBe('host-a');
  });

  it.each([
    ['an unknown key', { file: { listen: '127.0.0.1:1', colour: 'red' } }, /colour is unknown/],
    ['a wrong type', { file: { history_limit: 'ten' } }, /history_limit/],
    ['a bad enum', { file: { conflict_policy: 'first-wins' } }, /conflict_policy/],
    ['a non-numeric env value', { env: new Map([['ARTISYNC_HISTORY_LIMIT', 'x']]) }, /history_limit: ARTISYNC_HISTORY_LIMIT="x" is not a int/],
  ])('refuses %s with a ConfigError naming the key and file', (_what, partial, message) => {
    expect(() => resolveConfig('hub', sources(partial as Partial<ConfigSources>))).toThrow(message);
    expect(() => resolveConfig('hub', sources(partial as Partial<ConfigSources>))).toThrow(ConfigError);
  });

  it('refuses an agent config without server_root', () => {
    expect(() => resolveConfig('agent', sources({ file: { node_id: 'n' } }))).toThrow(/server_root.*agent\.toml/);
  });
});
