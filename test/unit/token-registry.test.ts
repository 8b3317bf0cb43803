// tokens_file parsing and the token check: comments and blanks skipped, bad lines named, scopes read, tokens matched.
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/errors.js';
import { requiredScope } from '../../hub/route-scopes.js';
import { HUB_ROUTES } from '../../core/hub-api.js';
import { describeScopes, fullAccessTokens, mayPublish, parseTokensFile, TokenRegistry } from '../../hub/token-registry.js';

describe('parseTokensFile', () => {
  it('reads two-column "node_id token" lines as full access, skipping comments and blank lines', () => {
    const tokens = parseTokensFile('# hub tokens\n\npub-1  tok-a\r\n  gw-1\ttok-b  \n', 'tokens');
    expect([...tokens.keys()]).toEqual(['tok-a', 'tok-b']);
    expect(tokens.get('tok-b')?.node).toBe('gw-1');
    expect(tokens.get('tok-a')?.scopes.admin).toBe(true);
    expect(mayPublish(tokens.get('tok-a')!.scopes, 'any label')).toBe(true);
  });

  it('reads scopes: read, publish:LABEL with spaces, several comma-separated, admin', () => {
    const tokens = parseTokensFile([
      'gw-1 tok-r read',
      'pub-1 tok-p publish:Production and Sandbox, publish:Default',
      'ops tok-a admin',
    ].join('\n'), 'tokens');
    const read = tokens.get('tok-r')!.scopes;
    const publish = tokens.get('tok-p')!.scopes;
    expect(read.admin).toBe(false);
    expect(mayPublish(read, 'Default')).toBe(false);
    expect(mayPublish(publish, 'Production and Sandbox')).toBe(true);
    expect(mayPublish(publish, 'Default')).toBe(true);
    expect(mayPublish(publish, 'Other')).toBe(false);
    expect(publish.admin).toBe(false);
    expect(describeScopes(publish)).toBe('read, publish:Production and Sandbox, publish:Default');
    expect(tokens.get('tok-a')!.scopes.admin).toBe(true);
  });

  it('names the file and line of a malformed entry or an unknown scope', () => {
    expect(() => parseTokensFile('pub-1 tok-a\njust-one-word\n', '/etc/artisync/tokens')).toThrow(ConfigError);
    expect(() => parseTokensFile('pub-1 tok-a\njust-one-word\n', '/etc/artisync/tokens')).toThrow(/\/etc\/artisync\/tokens:2/);
    expect(() => parseTokensFile('pub-1 tok-a\ngw-1 tok-b write\n', '/etc/artisync/tokens')).toThrow(/\/etc\/artisync\/tokens:2: unknown scope "write"/);
    expect(() => parseTokensFile('pub-1 tok-a publish:\n', 'tokens')).toThrow(/tokens:1: unknown scope "publish:"/);
    expect(() => parseTokensFile('pub-1 tok-a\ngw-1 tok-a read\n', 'tokens')).toThrow(/tokens:2 repeats a token/);
  });
});

describe('TokenRegistry', () => {
  it('says which node a token belongs to and refuses unknown ones', () => {
    const registry = new TokenRegistry(fullAccessTokens(new Map([['tok-a', 'pub-1'], ['tok-b', 'gw-1']])));
    expect(registry.size).toBe(2);
    expect(registry.nodeOf('tok-b')).toBe('gw-1');
    expect(registry.nodeOf('tok-')).toBeUndefined();
    expect(registry.nodeOf('')).toBeUndefined();
  });

  it('replaces every token at once', () => {
    const registry = new TokenRegistry(fullAccessTokens(new Map([['tok-a', 'pub-1']])));
    registry.replace(parseTokensFile('gw-1 tok-b read', 'tokens'));
    expect(registry.nodeOf('tok-a')).toBeUndefined();
    expect(registry.grantOf('tok-b')?.scopes.admin).toBe(false);
  });
});

describe('requiredScope', () => {
  it('asks publish for label writes, admin for operator actions, read for the rest', () => {
    expect(requiredScope('POST', HUB_ROUTES.changesets, 'L')).toEqual({ kind: 'publish', label: 'L' });
    expect(requiredScope('PUT', HUB_ROUTES.artifact, 'L')).toEqual({ kind: 'publish', label: 'L' });
    expect(requiredScope('DELETE', HUB_ROUTES.artifact, 'L')).toEqual({ kind: 'publish', label: 'L' });
    expect(requiredScope('POST', HUB_ROUTES.rollback, 'L')).toEqual({ kind: 'admin' });
    expect(requiredScope('POST', HUB_ROUTES.replay, 'L')).toEqual({ kind: 'admin' });
    expect(requiredScope('DELETE', HUB_ROUTES.node, undefined)).toEqual({ kind: 'admin' });
    expect(requiredScope('POST', HUB_ROUTES.heartbeat, undefined)).toEqual({ kind: 'heartbeat' });
    expect(requiredScope('GET', HUB_ROUTES.snapshot, 'L')).toEqual({ kind: 'read' });
  });
});
