// Artifact paths: every way out of the trees is refused with its code, real WSO2 names are accepted.
import { describe, expect, it } from 'vitest';
import { parseArtifactPath, toAbsolutePath, toArtifactPath, treeOf } from '../../core/artifact-path.js';
import { hasErrorCode, type ErrorCode } from '../../core/errors.js';

function codeOf(raw: string): ErrorCode | 'accepted' {
  try {
    parseArtifactPath(raw);
    return 'accepted';
  } catch (err) {
    if (hasErrorCode(err, 'ARTISYNC_PATH_ESCAPES_TREE')) return err.code;
    if (hasErrorCode(err, 'ARTISYNC_PATH_INVALID')) return err.code;
    if (hasErrorCode(err, 'ARTISYNC_PATH_OUTSIDE_TREES')) return err.code;
    throw err;
  }
}

describe('parseArtifactPath', () => {
  it.each([
    ['synapse-configs/default/api/admin--PizzaShackAPI_v1.0.0.xml'],
    ['synapse-configs/default/sequences/admin--kart1_v1.0.0--In.xml'],
    ['synapse-configs/default/imports/{org.wso2.carbon.connector}hello.xml'],
    ['synapse-configs/default/synapse.xml'],
    ['synapse-configs/default/.project'],
    ['executionplans/carbon.super_resource_50KPerMin_defualt.siddhiql'],
    ['executionplans/café ünïcødé.siddhiql'],
  ])('accepts %s', (raw) => {
    expect(codeOf(raw)).toBe('accepted');
  });

  it.each<[string, string, ErrorCode]>([
    ['parent segment', 'synapse-configs/default/../../conf/carbon.xml', 'ARTISYNC_PATH_ESCAPES_TREE'],
    ['leading parent', '../synapse-configs/default/api/a.xml', 'ARTISYNC_PATH_ESCAPES_TREE'],
    ['dot segment', 'synapse-configs/default/./api/a.xml', 'ARTISYNC_PATH_ESCAPES_TREE'],
    ['absolute', '/synapse-configs/default/api/a.xml', 'ARTISYNC_PATH_ESCAPES_TREE'],
    ['absolute system file', '/etc/passwd', 'ARTISYNC_PATH_ESCAPES_TREE'],
    ['backslash', 'synapse-configs/default/api\\..\\..\\a.xml', 'ARTISYNC_PATH_ESCAPES_TREE'],
    ['NUL', 'synapse-configs/default/api/a.xml\0.txt', 'ARTISYNC_PATH_INVALID'],
    ['newline', 'synapse-configs/default/api/a\n.xml', 'ARTISYNC_PATH_INVALID'],
    ['empty', '', 'ARTISYNC_PATH_INVALID'],
    ['empty segment', 'synapse-configs/default/api//a.xml', 'ARTISYNC_PATH_INVALID'],
    ['trailing slash', 'synapse-configs/default/api/', 'ARTISYNC_PATH_INVALID'],
    ['over 1024 bytes', `synapse-configs/default/${'a/'.repeat(500)}x.xml`, 'ARTISYNC_PATH_INVALID'],
    ['over 1024 bytes in multi-byte characters', `executionplans/${'é/'.repeat(340)}x.siddhiql`, 'ARTISYNC_PATH_INVALID'],
    ['segment over 255 bytes', `synapse-configs/default/api/${'a'.repeat(252)}.xml`, 'ARTISYNC_PATH_INVALID'],
    ['segment over 255 bytes in multi-byte characters', `executionplans/${'é'.repeat(128)}`, 'ARTISYNC_PATH_INVALID'],
    ['lone high surrogate', 'synapse-configs/default/api/\uD800.xml', 'ARTISYNC_PATH_INVALID'],
    ['lone low surrogate', 'synapse-configs/default/api/\uDC00.xml', 'ARTISYNC_PATH_INVALID'],
    ['replacement character (undecodable bytes)', 'synapse-configs/default/api/caf\uFFFD.xml', 'ARTISYNC_PATH_INVALID'],
    ['outside the trees', 'conf/carbon.xml', 'ARTISYNC_PATH_OUTSIDE_TREES'],
    ['the tree folder itself', 'synapse-configs/default', 'ARTISYNC_PATH_OUTSIDE_TREES'],
    ['a sibling of the tree', 'synapse-configs/defaultx/api/a.xml', 'ARTISYNC_PATH_OUTSIDE_TREES'],
  ])('refuses %s', (_label, raw, code) => {
    expect(codeOf(raw)).toBe(code);
  });

  it('accepts a segment of exactly 255 bytes and a path of exactly 1024 bytes', () => {
    expect(codeOf(`synapse-configs/default/api/${'a'.repeat(251)}.xml`)).toBe('accepted');
    const exact = `executionplans/${`${'a'.repeat(250)}/`.repeat(4)}xxxxx`;
    expect(exact.length).toBe(1024);
    expect(codeOf(exact)).toBe('accepted');
    expect(codeOf(`${exact}x`)).toBe('ARTISYNC_PATH_INVALID');
  });
});

describe('treeOf', () => {
  it('names the tree a path lies in', () => {
    expect(treeOf('synapse-configs/default/api/a.xml')).toBe('synapse-configs/default');
    expect(treeOf('executionplans/a.siddhiql')).toBe('executionplans');
    expect(treeOf('executionplans')).toBeUndefined();
  });
});

describe('toArtifactPath and toAbsolutePath', () => {
  const root = '/opt/wso2am/repository/deployment/server';

  it('round-trips a file under the server root', () => {
    const absolute = `${root}/synapse-configs/default/imports/{org.wso2.carbon.connector}hello.xml`;
    const path = toArtifactPath(root, absolute);
    expect(path).toBe('synapse-configs/default/imports/{org.wso2.carbon.connector}hello.xml');
    expect(toAbsolutePath(`${root}/`, path)).toBe(absolute);
  });

  it('refuses a location outside the server root', () => {
    expect(() => toArtifactPath(root, '/opt/wso2am/repository/conf/carbon.xml')).toThrow(/outside the server root/);
    expect(() => toArtifactPath(root, `${root}/../server-old/executionplans/a.siddhiql`)).toThrow(/outside the server root/);
  });

  it('refuses the server root itself and places outside the trees', () => {
    expect(() => toArtifactPath(root, root)).toThrow(/empty/);
    expect(() => toArtifactPath(root, `${root}/webapps/am#gateway.war`)).toThrow(/not inside/);
  });

  it('does not mistake a name starting with two dots for a parent folder', () => {
    expect(toArtifactPath(root, `${root}/executionplans/..plan.siddhiql`)).toBe('executionplans/..plan.siddhiql');
  });
});
