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
    ['an unknown key', { file: { listen: '127.0.0.1:1', colour: 'red' } }, 'unknown config key colour (config agent.toml): check the spelling against the README\'s config tables'],
    ['a wrong type', { file: { history_limit: 'ten' } }, 'history_limit must be a number, got "ten" (config agent.toml)'],
    ['a bad enum', { file: { conflict_policy: 'first-wins' } }, 'conflict_policy must be one of "last-writer-wins", "reject", got "first-wins" (config agent.toml)'],
    ['a value below the minimum', { file: { stream_maxlen: 5 } }, 'stream_maxlen must be at least 100, got 5 (config agent.toml)'],
    ['a flag below the minimum', { flags: new Map([['stream-maxlen', '5']]) }, 'stream_maxlen must be at least 100, got 5 (from --stream-maxlen)'],
    ['a fraction where a whole number belongs', { file: { history_limit: 1.5 } }, 'history_limit must be a whole number, got 1.5 (config agent.toml)'],
    ['a bad listen address', { file: { listen: 'anywhere' } }, 'listen must be host:port, e.g. 127.0.0.1:7420, got "anywhere" (config agent.toml)'],
    ['a non-numeric env value', { env: new Map([['ARTISYNC_HISTORY_LIMIT', 'x']]) }, 'config key history_limit: ARTISYNC_HISTORY_LIMIT="x" is not a int'],
  ])('refuses %s with a ConfigError in plain words naming the key and file', (_what, partial, message) => {
    let caught: unknown;
    try {
      resolveConfig('hub', sources(partial));
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).message).toBe(message);
  });

  it('says server_root is required, naming the file, the flag and the variable', () => {
    expect(() => resolveConfig('agent', sources({ file: { node_id: 'n' } })))
      .toThrow(/^server_root is required: set it in agent\.toml, --server-root or ARTISYNC_SERVER_ROOT$/);
  });

  it('names a section key with its section and its range', () => {
    expect(() => resolveConfig('agent', sources({ file: { node_id: 'n', server_root: '/srv', publisher: { mass_delete_guard: 2 } } })))
      .toThrow('publisher.mass_delete_guard must be at most 1, got 2 (config agent.toml)');
  });
});
