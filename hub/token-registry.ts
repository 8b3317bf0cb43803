// Bearer tokens from tokens_file ("node_id token [scopes]" a line), their scopes and their constant-time check.
import { createHash, timingSafeEqual } from 'node:crypto';
import { ConfigError } from '../core/errors.js';

/** What a token may do: read everything, publish to some labels (or all, `*`), and admin (implies everything). */
export interface TokenScopes {
  read: boolean;
  publish: ReadonlySet<string>;
  admin: boolean;
}

/** The node and scopes a valid token belongs to. */
export interface TokenGrant {
  node: string;
  scopes: TokenScopes;
}

/** A two-column line: full access, as every token had before scopes existed. */
const FULL_ACCESS: TokenScopes = { read: true, publish: new Set(['*']), admin: true };

/** Parses a scope list: `read`, `publish:LABEL` (LABEL may hold spaces, `*` = every label), `admin`, comma-separated. */
function parseScopes(text: string, where: string): TokenScopes {
  const publish = new Set<string>();
  let admin = false;
  for (const raw of text.split(',')) {
    const scope = raw.trim();
    if (scope === 'read') continue;
    if (scope === 'admin') admin = true;
    else if (scope.startsWith('publish:') && scope.slice('publish:'.length).trim() !== '') publish.add(scope.slice('publish:'.length).trim());
    else throw new ConfigError('ARTISYNC_CONFIG_INVALID', `config key tokens_file: ${where}: unknown scope ${JSON.stringify(scope)} (expected read, publish:LABEL or admin)`, { subject: 'tokens_file' });
  }
  return admin ? FULL_ACCESS : { read: true, publish, admin: false };
}

/**
 * Parses a tokens file: one "node_id token [scope, …]" line each, `#` comments and blank lines allowed; a line
 * without scopes has full access. Returns token → grant.
 */
export function parseTokensFile(text: string, fileName: string): Map<string, TokenGrant> {
  const tokens = new Map<string, TokenGrant>();
  text.split(/\r?\n/).forEach((line, index) => {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const where = `${fileName}:${index + 1}`;
    const match = /^(\S+)\s+(\S+)(?:\s+(.*))?$/.exec(trimmed);
    if (match === null) {
      throw new ConfigError('ARTISYNC_CONFIG_INVALID', `config key tokens_file: ${where} is not "node_id token [scopes]"`, { subject: 'tokens_file' });
    }
    const [, node, token, scopes] = match as unknown as [string, string, string, string | undefined];
    if (tokens.has(token)) throw new ConfigError('ARTISYNC_CONFIG_INVALID', `config key tokens_file: ${where} repeats a token of an earlier line`, { subject: 'tokens_file' });
    tokens.set(token, { node, scopes: scopes === undefined ? FULL_ACCESS : parseScopes(scopes, where) });
  });
  return tokens;
}

/** A token → grant map for code and tests that give every token full access (`node_id` by token). */
export function fullAccessTokens(tokens: ReadonlyMap<string, string>): Map<string, TokenGrant> {
  return new Map([...tokens].map(([token, node]) => [token, { node, scopes: FULL_ACCESS }]));
}

/** Knows the valid tokens only by their sha256 and says which node and scopes a presented token has. */
export class TokenRegistry {
  private entries: Array<{ hash: Buffer; grant: TokenGrant }> = [];

  /** `tokens` maps token → grant. */
  constructor(tokens: ReadonlyMap<string, TokenGrant>) {
    this.replace(tokens);
  }

  get size(): number {
    return this.entries.length;
  }

  /** Swaps every token at once (a SIGHUP reload); requests already past the check keep what they were granted. */
  replace(tokens: ReadonlyMap<string, TokenGrant>): void {
    this.entries = [...tokens].map(([token, grant]) => ({ hash: hashOf(token), grant }));
  }

  /** The grant of a token, or undefined; compares against every entry so timing says nothing. */
  grantOf(token: string): TokenGrant | undefined {
    const presented = hashOf(token);
    let found: TokenGrant | undefined;
    for (const entry of this.entries) {
      if (timingSafeEqual(entry.hash, presented) && found === undefined) found = entry.grant;
    }
    return found;
  }

  /** The node a token belongs to, or undefined. */
  nodeOf(token: string): string | undefined {
    return this.grantOf(token)?.node;
  }
}

/** True when the scopes allow publishing to `label`. */
export function mayPublish(scopes: TokenScopes, label: string): boolean {
  return scopes.admin || scopes.publish.has('*') || scopes.publish.has(label);
}

/** The scopes as written in tokens_file, for error messages. */
export function describeScopes(scopes: TokenScopes): string {
  if (scopes.admin) return 'admin';
  return ['read', ...[...scopes.publish].map((label) => `publish:${label}`)].join(', ');
}

function hashOf(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}
