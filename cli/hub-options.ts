// Where a hub command finds its hub and token: --hub/--token/--token-file, ARTISYNC_* env, or an agent.toml via --config.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { ArtisyncError, ConfigError, UnavailableError } from '../core/errors.js';
import { HubClient } from '../client/hub-client.js';
import { readConfigFile } from './config-loader.js';

/** The hub URL used when no flag, env or config names one (SPEC.md's agent.toml default). */
export const DEFAULT_HUB_URL = 'http://127.0.0.1:7420';

/** The options a hub command parsed, as commander hands them over. */
export interface HubCommandOptions {
  hub?: string;
  token?: string;
  tokenFile?: string;
  config?: string;
  node?: string;
}

/** Where to reach the hub and how to authenticate, once every source has been merged. */
export interface HubTarget {
  hubUrl: string;
  token: string | undefined;
  node: string | undefined;
}

/** Reads a file's text; injected so the merge can be tested without a disk. */
export type ReadText = (path: string) => string;

/** Declares --hub, --token, --token-file, --config and (unless the command uses it otherwise) --node. */
export function addHubOptions(command: Command, { nodeOption = true } = {}): Command {
  command
    .option('--hub <url>', `hub URL (env ARTISYNC_HUB_URL; default ${DEFAULT_HUB_URL})`)
    .option('--token <token>', 'bearer token (env ARTISYNC_TOKEN)')
    .option('--token-file <file>', 'file holding the bearer token (env ARTISYNC_TOKEN_FILE)')
    .option('--config <file>', 'agent.toml to read hub_url, token/token_file and node_id from');
  return nodeOption ? command.option('--node <id>', 'node id sent to the hub (default: node_id from --config)') : command;
}

/** Merges flag > env > agent config > default into a HubTarget; throws ConfigError naming the key at fault. */
export function resolveHubTarget(
  options: HubCommandOptions,
  env: NodeJS.ProcessEnv,
  readConfig: (path: string) => Record<string, unknown>,
  readText: ReadText,
): HubTarget {
  const file = options.config === undefined ? {} : readConfig(options.config);
  const fromFile = (key: string): string | undefined => {
    const value = file[key];
    if (value === undefined) return undefined;
    if (typeof value === 'string' && value.length > 0) return value;
    throw new ConfigError('ARTISYNC_CONFIG_INVALID', `config key ${key}: expected a non-empty string (config ${options.config ?? ''})`, { subject: key });
  };
  const hubUrl = options.hub ?? env.ARTISYNC_HUB_URL ?? fromFile('hub_url') ?? DEFAULT_HUB_URL;
  if (!/^https?:\/\/[^\s]+$/.test(hubUrl)) {
    throw new ConfigError('ARTISYNC_CONFIG_INVALID', `hub URL ${JSON.stringify(hubUrl)} is not an http(s) URL: pass --hub http://HOST:PORT`, { subject: 'hub_url' });
  }
  return { hubUrl, token: resolveToken(options, env, fromFile, readText), node: options.node ?? fromFile('node_id') };
}

function resolveToken(
  options: HubCommandOptions,
  env: NodeJS.ProcessEnv,
  fromFile: (key: string) => string | undefined,
  readText: ReadText,
): string | undefined {
  if (options.token !== undefined) return options.token;
  if (options.tokenFile !== undefined) return readToken(options.tokenFile, '--token-file', readText);
  if (env.ARTISYNC_TOKEN !== undefined && env.ARTISYNC_TOKEN !== '') return env.ARTISYNC_TOKEN;
  if (env.ARTISYNC_TOKEN_FILE !== undefined && env.ARTISYNC_TOKEN_FILE !== '') {
    return readToken(env.ARTISYNC_TOKEN_FILE, 'ARTISYNC_TOKEN_FILE', readText);
  }
  const token = fromFile('token');
  if (token !== undefined) return token;
  const tokenFile = fromFile('token_file');
  return tokenFile === undefined ? undefined : readToken(tokenFile, 'token_file', readText);
}

function readToken(path: string, origin: string, readText: ReadText): string {
  let text: string;
  try {
    text = readText(path);
  } catch (err) {
    throw new ConfigError('ARTISYNC_CONFIG_INVALID', `${origin}: cannot read ${path}: ${(err as Error).message}`, { subject: origin, cause: err });
  }
  const token = text.trim();
  if (token === '') throw new ConfigError('ARTISYNC_CONFIG_INVALID', `${origin}: ${path} is empty`, { subject: origin });
  return token;
}

/** Builds the HubClient a command talks through, from its options and the process environment. */
export function hubClientFrom(options: HubCommandOptions, env: NodeJS.ProcessEnv = process.env): HubClient {
  const target = resolveHubTarget(options, env, readConfigFile, (path) => readFileSync(path, 'utf8'));
  return new HubClient({ hubUrl: target.hubUrl, token: target.token, node: target.node });
}

/** Adds what to do to the errors an operator can fix: an unreachable hub, a missing or wrong token. */
export function explainHubError(err: unknown): unknown {
  if (err instanceof UnavailableError && err.code === 'ARTISYNC_HUB_UNREACHABLE') {
    return new UnavailableError(err.code, `${err.message} — is the hub running? Point --hub (or ARTISYNC_HUB_URL) at it`, { subject: err.subject, cause: err });
  }
  if (err instanceof ArtisyncError && err.code === 'ARTISYNC_UNAUTHORIZED') {
    return new ArtisyncError(err.code, `${err.message} — pass a valid --token or --token-file (or ARTISYNC_TOKEN)`, { subject: err.subject, cause: err });
  }
  return err;
}

/** Runs a hub command's body with its client; errors an operator can fix gain a hint. */
export async function withHub<T>(options: HubCommandOptions, body: (hub: HubClient) => Promise<T>): Promise<T> {
  const hub = hubClientFrom(options);
  try {
    return await body(hub);
  } catch (err) {
    throw explainHubError(err);
  }
}
