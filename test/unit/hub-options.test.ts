// Unit tests of how hub commands find their hub and token: flag > env > agent.toml > default, and the errors.
import { describe, expect, it } from 'vitest';
import { ArtisyncError, ConfigError, UnavailableError } from '../../core/errors.js';
import { DEFAULT_HUB_URL, explainHubError, resolveHubTarget } from '../../cli/hub-options.js';

const files: Record<string, string> = { '/etc/artisync/token': 'file-token\n', '/empty': '  \n' };
const readText = (path: string): string => {
  const text = files[path];
  if (text === undefined) throw new Error('ENOENT: no such file');
  return text;
};
const agentToml = { hub_url: 'http://hub.example:7420', token_file: '/etc/artisync/token', node_id: 'gw-1', server_root: '/srv' };
const readConfig = (path: string): Record<string, unknown> => (path === 'agent.toml' ? agentToml : { hub_url: 42 });

describe('resolveHubTarget', () => {
  it('defaults to the local hub without a token', () => {
    expect(resolveHubTarget({}, {}, readConfig, readText)).toEqual({ hubUrl: DEFAULT_HUB_URL, token: undefined, node: undefined });
  });

  it('reads hub_url, token_file and node_id from an agent config', () => {
    expect(resolveHubTarget({ config: 'agent.toml' }, {}, readConfig, readText)).toEqual({ hubUrl: 'http://hub.example:7420', token: 'file-token', node: 'gw-1' });
  });

  it('prefers env over the config file and flags over env', () => {
    const env = { ARTISYNC_HUB_URL: 'http://env:1', ARTISYNC_TOKEN: 'env-token' };
    expect(resolveHubTarget({ config: 'agent.toml' }, env, readConfig, readText)).toMatchObject({ hubUrl: 'http://env:1', token: 'env-token' });
    expect(resolveHubTarget({ config: 'agent.toml', hub: 'http://flag:2', token: 'flag-token' }, env, readConfig, readText)).toMatchObject({ hubUrl: 'http://flag:2', token: 'flag-token' });
  });

  it('reads --token-file and ARTISYNC_TOKEN_FILE', () => {
    expect(resolveHubTarget({ tokenFile: '/etc/artisync/token' }, {}, readConfig, readText).token).toBe('file-token');
    expect(resolveHubTarget({}, { ARTISYNC_TOKEN_FILE: '/etc/artisync/token' }, readConfig, readText).token).toBe('file-token');
  });

  it('refuses an unreadable or empty token file naming where it came from', () => {
    expect(() => resolveHubTarget({ tokenFile: '/missing' }, {}, readConfig, readText)).toThrow(/--token-file: cannot read \/missing/);
    expect(() => resolveHubTarget({ tokenFile: '/empty' }, {}, readConfig, readText)).toThrow(ConfigError);
  });

  it('refuses a non-URL hub and a config key of the wrong type', () => {
    expect(() => resolveHubTarget({ hub: 'localhost:7420' }, {}, readConfig, readText)).toThrow(/not an http\(s\) URL/);
    expect(() => resolveHubTarget({ config: 'bad.toml' }, {}, readConfig, readText)).toThrow(/config key hub_url/);
  });
});

describe('explainHubError', () => {
  it('tells what to do when the hub is unreachable or refuses the token', () => {
    const unreachable = explainHubError(new UnavailableError('ARTISYNC_HUB_UNREACHABLE', 'hub unreachable (GET x)'));
    expect((unreachable as Error).message).toMatch(/is the hub running\? Point --hub/);
    const unauthorized = explainHubError(new ArtisyncError('ARTISYNC_UNAUTHORIZED', 'answered 401'));
    expect((unauthorized as Error).message).toMatch(/--token/);
  });

  it('passes other errors through unchanged', () => {
    const other = new ArtisyncError('ARTISYNC_NOT_FOUND', 'no such label');
    expect(explainHubError(other)).toBe(other);
  });
});
