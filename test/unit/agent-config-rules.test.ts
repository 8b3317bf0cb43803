// The start-time config checks in core: state_dir placement on path strings, and roles that cannot run.
import { describe, expect, it } from 'vitest';
import { checkAgentRoles, checkStateDirPlacement, isSameOrInside } from '../../core/agent-config-rules.js';
import { resolveConfig } from '../../core/config-schema.js';
import { ConfigError } from '../../core/errors.js';

const folder = (absolute: string, real = absolute) => ({ absolute, real });

function agentConfig(file: Record<string, unknown>) {
  return resolveConfig('agent', { file: { node_id: 'n', server_root: '/srv/wso2', ...file }, filePath: undefined, env: new Map(), flags: new Map() });
}

describe('isSameOrInside', () => {
  it.each([
    ['/srv/wso2', '/srv/wso2', true],
    ['/srv/wso2/', '/srv/wso2', true],
    ['/srv/wso2/state', '/srv/wso2', true],
    ['/srv/wso2/a/../state', '/srv/wso2', true],
    ['/srv/wso2-state', '/srv/wso2', false],
    ['/srv', '/srv/wso2', false],
    ['/var/lib/artisync', '/', true],
  ])('%s in %s: %s', (path, parent, inside) => {
    expect(isSameOrInside(path, parent)).toBe(inside);
  });
});

describe('checkStateDirPlacement', () => {
  it('refuses state_dir equal to or inside server_root, as written or through a symlink, naming the key', () => {
    expect(() => checkStateDirPlacement(folder('/srv/wso2/.artisync'), folder('/srv/wso2'))).toThrow(/^config key state_dir: \/srv\/wso2\/.artisync must not be server_root/);
    expect(() => checkStateDirPlacement(folder('/srv/wso2'), folder('/srv/wso2'))).toThrow(ConfigError);
    expect(() => checkStateDirPlacement(folder('/var/lib/artisync', '/data/wso2/state'), folder('/srv/wso2', '/data/wso2'))).toThrow(/state_dir: \/data\/wso2\/state/);
  });

  it('accepts a state_dir beside server_root', () => {
    expect(() => checkStateDirPlacement(folder('/srv/wso2-state'), folder('/srv/wso2'))).not.toThrow();
  });
});

describe('checkAgentRoles', () => {
  it('refuses a gateway without labels and an agent without roles, naming the key', () => {
    expect(() => checkAgentRoles(agentConfig({ gateway: { enabled: true } }))).toThrow(/^config key gateway\.gateway_labels: /);
    expect(() => checkAgentRoles(agentConfig({}))).toThrow(/publisher\.enabled/);
    expect(() => checkAgentRoles(agentConfig({ gateway: { enabled: true, gateway_labels: ['L'] } }))).not.toThrow();
  });
});
