// Reads tokens_file into a TokenRegistry at start, and again on SIGHUP without dropping a connection.
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { HubConfig } from '../core/config-schema.js';
import { ConfigError } from '../core/errors.js';
import { parseTokensFile, TokenRegistry, type TokenGrant } from './token-registry.js';

/** The grants in tokens_file (none when it is not set); throws a ConfigError naming the file (and line). */
function readGrants(tokensFile: string | undefined): Map<string, TokenGrant> {
  if (tokensFile === undefined) return new Map();
  let text: string;
  try {
    text = readFileSync(tokensFile, 'utf8');
  } catch (err) {
    throw new ConfigError('ARTISYNC_CONFIG_INVALID', `config key tokens_file: cannot read ${tokensFile}: ${(err as Error).message}`, { subject: 'tokens_file', cause: err });
  }
  return parseTokensFile(text, tokensFile);
}

/** Reads tokens_file; refuses to go on without tokens unless insecure. */
export function loadTokens(config: Pick<HubConfig, 'tokens_file' | 'insecure'>): TokenRegistry | undefined {
  const tokens = readGrants(config.tokens_file);
  if (tokens.size > 0) return new TokenRegistry(tokens);
  if (config.insecure) return undefined;
  throw new ConfigError('ARTISYNC_CONFIG_INVALID', 'config key tokens_file: no tokens, so every request would be refused; set tokens_file or pass --insecure', { subject: 'tokens_file' });
}

/**
 * Re-reads tokens_file into `registry` on every SIGHUP; a file that cannot be read or parsed, or holds no token,
 * leaves the old tokens in force and is logged naming the file and line. Returns the function that stops listening.
 */
export function reloadTokensOnSighup(config: Pick<HubConfig, 'tokens_file'>, registry: TokenRegistry | undefined, logger: Logger): () => void {
  const onHup = (): void => {
    if (registry === undefined || config.tokens_file === undefined) {
      logger.warn('SIGHUP: no tokens_file to reload (the hub runs --insecure without tokens)');
      return;
    }
    try {
      const tokens = readGrants(config.tokens_file);
      if (tokens.size === 0) throw new ConfigError('ARTISYNC_CONFIG_INVALID', `config key tokens_file: ${config.tokens_file} holds no token`, { subject: 'tokens_file' });
      registry.replace(tokens);
      logger.info({ file: config.tokens_file, tokens: tokens.size }, 'tokens_file reloaded');
    } catch (err) {
      logger.error({ file: config.tokens_file, code: (err as ConfigError).code, err: (err as Error).message }, `tokens_file reload failed, the old tokens stay in force: ${(err as Error).message}`);
    }
  };
  process.on('SIGHUP', onHup);
  return () => process.off('SIGHUP', onHup);
}
