// The rules of the trees beyond API-M 3.x: secondary user stores and Carbon applications, and the `trees` key.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { artifactKindOf, deployRank } from '../../core/artifact-kind.js';
import { parseArtifactPath, treeOf } from '../../core/artifact-path.js';
import { resolveConfig } from '../../core/config-schema.js';
import { isIgnoredName } from '../../core/ignored-file.js';
import { maskUserStoreSecrets } from '../../core/userstore-secrets.js';
import { validateArtifact } from '../../core/validate-artifact.js';
import { findNodeProblems } from '../../cli/node-health.js';
import { carbonApp, carbonAppDescriptor, zipArchive } from '../support/zip-archive.js';

const REPO = join(import.meta.dirname, '..', '..');
const USERSTORE = readFileSync(join(REPO, 'test', 'fixtures', 'trees', 'userstores', 'wso2_com_ldap_rw.xml'));
const API_XML = readFileSync(join(REPO, 'test', 'fixtures', 'wso2-real', 'mi-4.x-mgmt', 'synapse-configs', 'default', 'api', 'HelloRestApi.xml'), 'utf8');
const options = { maxArtifactBytes: 5_242_880 };
const check = (path: string, bytes: Uint8Array, max = options.maxArtifactBytes) => validateArtifact(parseArtifactPath(path), bytes, { maxArtifactBytes: max });
const codes = (path: string, bytes: Uint8Array) => check(path, bytes).issues.map((issue) => `${issue.severity}:${issue.code}`);

describe('userstores', () => {
  it('accepts the real read-write LDAP sample without warnings', () => {
    expect(artifactKindOf(parseArtifactPath('userstores/wso2_com_ldap_rw.xml'))).toBe('userstore');
    expect(check('userstores/wso2_com_ldap_rw.xml', USERSTORE)).toEqual({ ok: true, incomplete: false, issues: [] });
  });

  it('refuses another root and a UserStoreManager without class, and never repeats the secret in a message', () => {
    expect(codes('userstores/a.xml', Buffer.from('<api name="a"/>'))).toEqual(['error:ARTISYNC_XML_WRONG_ROOT']);
    const noClass = Buffer.from(USERSTORE.toString('utf8').replace(/ class="[^"]*"/, ''));
    const result = check('userstores/wso2_com_ldap_rw.xml', noClass);
    expect(result.issues.map((issue) => issue.code)).toEqual(['ARTISYNC_CONTENT_INVALID']);
    const broken = Buffer.from(USERSTORE.toString('utf8').replace('</Property>\n      <Property name="UserSearchBase">', '</Property>\n      <Property name="UserSearchBase>'));
    const messages = [...result.issues, ...check('userstores/wso2_com_ldap_rw.xml', broken).issues].map((issue) => issue.message).join('\n');
    expect(check('userstores/wso2_com_ldap_rw.xml', broken).ok).toBe(false);
    expect(messages).not.toContain('kuv2MubUUveMyv6');
  });

  it('carries files nested deeper or of other types as they are', () => {
    expect(artifactKindOf(parseArtifactPath('userstores/old/a.xml'))).toBe('other');
    expect(check('userstores/notes.txt', Buffer.from('x')).ok).toBe(true);
  });
});

describe('carbonapps', () => {
  const car = carbonApp('HelloCompositeApplication', 'HelloRestApi', API_XML);

  it('accepts a .car built from real artifact XML, stored or deflated', () => {
    expect(artifactKindOf(parseArtifactPath('carbonapps/HelloCompositeApplication_1.0.0.car'))).toBe('carbon-app');
    expect(check('carbonapps/HelloCompositeApplication_1.0.0.car', car)).toEqual({ ok: true, incomplete: false, issues: [] });
    const stored = zipArchive([{ name: 'artifacts.xml', content: carbonAppDescriptor('A', 'B') }]);
    expect(check('carbonapps/a.car', stored).ok).toBe(true);
  });

  it('waits for an archive cut short and refuses what Carbon could not deploy', () => {
    for (const cut of [0, 10, car.length - 30, car.length - 1]) {
      const result = check('carbonapps/a.car', car.subarray(0, cut));
      expect(result, `cut at ${cut}`).toMatchObject({ ok: false, incomplete: true });
    }
    expect(codes('carbonapps/a.car', Buffer.from('<artifacts/>'))).toEqual(['error:ARTISYNC_CARBON_APP_INVALID']);
    expect(check('carbonapps/a.car', zipArchive([{ name: 'api/a.xml', content: API_XML }])).issues[0]?.message).toMatch(/no artifacts\.xml/);
    expect(check('carbonapps/a.car', zipArchive([{ name: 'artifacts.xml', content: '<artifacts>' }])).issues[0]?.message).toMatch(/ends before/);
    expect(check('carbonapps/a.car', zipArchive([{ name: 'artifacts.xml', content: '<api/>', deflate: true }])).issues[0]?.message).toMatch(/expected <artifacts>/);
    const slip = zipArchive([{ name: 'artifacts.xml', content: carbonAppDescriptor('A', 'B') }, { name: '../../../webapps/x.war', content: 'x' }]);
    expect(check('carbonapps/a.car', slip).issues[0]?.message).toMatch(/outside the application folder/);
  });

  it('holds a .car to max_artifact_bytes like every artifact', () => {
    expect(check('carbonapps/a.car', car, car.length - 1).issues.map((issue) => issue.code)).toEqual(['ARTISYNC_TOO_LARGE']);
  });

  it('deploys user stores first and Carbon apps last', () => {
    const rank = (path: string) => deployRank(parseArtifactPath(path));
    expect(rank('userstores/a.xml')).toBeLessThan(rank('synapse-configs/default/synapse.xml'));
    expect(rank('carbonapps/a.car')).toBeGreaterThan(rank('synapse-configs/default/api/a.xml'));
  });
});

describe('the trees key and Synapse .back files', () => {
  const agent = (file: Record<string, unknown>, flags = new Map<string, string>()) =>
    resolveConfig('agent', { file: { node_id: 'n', server_root: '/s', ...file }, filePath: undefined, env: new Map(), flags });

  it('defaults to the two API-M 3.x trees and takes any of the four, from file or flag', () => {
    expect(agent({}).trees).toEqual(['synapse-configs/default', 'executionplans']);
    expect(agent({ trees: ['carbonapps', 'synapse-configs/default', 'carbonapps'] }).trees).toEqual(['carbonapps', 'synapse-configs/default']);
    expect(agent({}, new Map([['trees', 'userstores,executionplans']])).trees).toEqual(['userstores', 'executionplans']);
    expect(() => agent({ trees: ['webapps'] })).toThrow(/^trees\.0 must be one of "synapse-configs\/default", "executionplans", "userstores", "carbonapps", got "webapps"/);
    expect(() => agent({ trees: [] })).toThrow(/^trees must list at least 1, got \[\]/);
  });

  it('finds paths only in the trees given', () => {
    expect(treeOf('userstores/a.xml')).toBe('userstores');
    expect(treeOf('userstores/a.xml', ['synapse-configs/default'])).toBeUndefined();
  });

  it('never lets a .back file travel', () => {
    expect(isIgnoredName('admin--PizzaShackAPI_v1.0.0.xml.back')).toBe(true);
    expect(isIgnoredName('backend.xml')).toBe(false);
  });
});

describe('user store secrets in what a person reads', () => {
  it('masks password-named and encrypted properties and nothing else', () => {
    const masked = maskUserStoreSecrets(USERSTORE.toString('utf8'));
    expect(masked).toContain('<Property encrypted="true" name="ConnectionPassword">********</Property>');
    expect(masked).not.toContain('kuv2MubUUveMyv6');
    expect(masked).toContain('<Property name="ConnectionName">uid=admin,ou=system</Property>');
    expect(masked).toContain('<Property name="PasswordJavaRegEx">^[\\S]{5,30}$</Property>');
    expect(maskUserStoreSecrets('<Property name="password">pw</Property><Property name="ClientSecret">s</Property><Property name="url">u</Property>'))
      .toBe('<Property name="password">********</Property><Property name="ClientSecret">********</Property><Property name="url">u</Property>');
  });
});

describe('deploy failures in status', () => {
  it('are one problem per refused version, naming node, label, path, version and the .back file', () => {
    const node = {
      node: 'gw-1', roles: ['gateway' as const], publisherLabels: [], gatewayLabels: {}, overrides: [], invalid: [], conflicts: [], pending: 0, ready: true, lastSeen: 1_000,
      deployFailures: [{ path: 'synapse-configs/default/api/a.xml', label: 'L', version: 4, sha256: 'a', restoredSha256: 'b', backFile: 'synapse-configs/default/api/a.xml.back', since: 1 }],
    };
    const problems = findNodeProblems([node], { now: 1_000, maxLag: 0 });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ node: 'gw-1', label: 'L', kind: 'deploy-failed', reason: 'deploy-failed' });
    expect(problems[0]?.message).toMatch(/^gw-1 L: deploy failed on this node: synapse-configs\/default\/api\/a\.xml version 4; .*a\.xml\.back/);
  });
});
