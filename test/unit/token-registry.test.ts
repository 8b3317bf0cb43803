// tokens_file parsing and the token check: comments and blanks skipped, bad lines named, tokens matched to nodes.
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/errors.js';
import { parseTokensFile, TokenRegistry } from '../../hub/token-registry.js';

describe('parseTokensFile', () => {
  it('reads "node_id token" lines, skipping comments and blank lines', () => {
    const tokens = parseTokensFile('# hub tokens\n\npub-1  tok-a\r\n  gw-1\ttok-b  \n', 'tokens');
    expect([...tokens]).toEqual([['tok-a', 'pub-1'], ['tok-b', 'gw-1']]);
  });

  it('names the file and line of a malformed entry', () => {
    expect(() => parseTokensFile('pub-1 tok-a\njust-one-word\n', '/etc/artisync/tokens')).toThrow(ConfigError);
    expect(() => parseTokensFile('pub-1 tok-a\njust-one-word\n', '/etc/artisync/tokens')).toThrow(/\/etc\/artisync\/tokens:2/);
  });
});

describe('TokenRegistry', () => {
  it('says which node a token belongs to and refuses unknown ones', () => {
    const registry = new TokenRegistry(new Map([['tok-a', 'pub-1'], ['tok-b', 'gw-1']]));
    expect(registry.size).toBe(2);
    expect(registry.nodeOf('tok-b')).toBe('gw-1');
    expect(registry.nodeOf('tok-')).toBeUndefined();
    expect(registry.nodeOf('')).toBeUndefined();
  });
});
