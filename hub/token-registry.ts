// Bearer tokens from tokens_file ("node_id token" a line) and their constant-time check.
import { createHash, timingSafeEqual } from 'node:crypto';
import { ConfigError } from '../core/errors.js';

/** Parses a tokens file: one "node_id token" pair a line, `#` comments and blank lines allowed. */
export function parseTokensFile(text: string, fileName: string): Map<string, string> {
  const tokens = new Map<string, string>();
  text.split(/\r?\n/).forEach((line, index) => {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const parts = trimmed.split(/\s+/);
    if (parts.length !== 2) {
      throw new ConfigError('ARTISYNC_CONFIG_INVALID', `config key tokens_file: ${fileName}:${index + 1} is not "node_id token"`, { subject: 'tokens_file' });
    }
    tokens.set(parts[1] as string, parts[0] as string);
  });
  return tokens;
}

/** Knows the valid tokens only by their sha256 and says which node a presented token belongs to. */
export class TokenRegistry {
  private readonly entries: Array<{ hash: Buffer; node: string }>;

  /** `tokens` maps token → node id. */
  constructor(tokens: ReadonlyMap<string, string>) {
    this.entries = [...tokens].map(([token, node]) => ({ hash: hashOf(token), node }));
  }

  get size(): number {
    return this.entries.length;
  }

  /** The node a token belongs to, or undefined; compares against every entry so timing says nothing. */
  nodeOf(token: string): string | undefined {
    const presented = hashOf(token);
    let found: string | undefined;
    for (const entry of this.entries) {
      if (timingSafeEqual(entry.hash, presented) && found === undefined) found = entry.node;
    }
    return found;
  }
}

function hashOf(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}
