// Reads a config file and the environment and resolves them with flags into a validated hub or agent config (zod's
// schema: the agent runs this in a worker, see config-worker.ts).
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { parse as parseToml } from 'smol-toml';
import {
  configKeySpecs,
  resolveConfig,
  type AgentConfig,
  type ConfigKind,
  type ConfigLayer,
  type HubConfig,
} from '../core/config-schema.js';
import { ConfigError } from '../core/errors.js';
import { optionNameOf } from './config-options.js';

/** Reads and parses a TOML config file; throws ConfigError naming the file when it cannot. */
export function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError('ARTISYNC_CONFIG_INVALID', `cannot read config file ${path}: ${(err as Error).message}`, { subject: path, cause: err });
  }
  try {
    return parseToml(text);
  } catch (err) {
    const reason = (err as Error).message.split('\n')[0] ?? 'syntax error';
    throw new ConfigError('ARTISYNC_CONFIG_INVALID', `config file ${path} is not valid TOML: ${reason}`, { subject: path, cause: err });
  }
}

/** Resolves a config from commander's parsed options and the environment: flag > env > file > default. */
export function loadConfig(kind: 'hub', options: Record<string, unknown>, env: NodeJS.ProcessEnv): HubConfig;
export function loadConfig(kind: 'agent', options: Record<string, unknown>, env: NodeJS.ProcessEnv): AgentConfig;
export function loadConfig(kind: ConfigKind, options: Record<string, unknown>, env: NodeJS.ProcessEnv): HubConfig | AgentConfig {
  const filePath = typeof options.config === 'string' ? options.config : undefined;
  const file = filePath === undefined ? {} : readConfigFile(filePath);
  const flags: ConfigLayer = new Map();
  const envLayer: ConfigLayer = new Map();
  for (const spec of configKeySpecs(kind)) {
    const value = options[optionNameOf(spec)];
    if (typeof value === 'string' || typeof value === 'boolean') flags.set(spec.flag, value);
    const fromEnv = env[spec.env];
    if (fromEnv !== undefined) envLayer.set(spec.env, fromEnv);
  }
  const sources = { file, filePath, env: envLayer, flags, fallbacks: kind === 'agent' ? { node_id: hostname() } : {} };
  return kind === 'hub' ? resolveConfig('hub', sources) : resolveConfig('agent', sources);
}

