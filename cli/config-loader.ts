// Reads a config file and the environment and resolves them with flags into a validated hub or agent config.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { parse as parseToml } from 'smol-toml';
import type { Command } from 'commander';
import { CONFIG_KEY_MEANINGS } from '../core/config-key-help.js';
import {
  configKeySpecs,
  type ConfigKeySpec,
  resolveConfig,
  type AgentConfig,
  type ConfigKind,
  type ConfigLayer,
  type HubConfig,
} from '../core/config-schema.js';
import { ConfigError } from '../core/errors.js';

/** The `--help` line of a config key: what it means, its default, its bounds, its key and variable. */
export function configOptionHelp(spec: ConfigKeySpec): string {
  const dotted = spec.section === undefined ? spec.key : `${spec.section}.${spec.key}`;
  const facts = [`default ${describeDefault(spec)}`];
  if (spec.values !== undefined) facts.push(`one of ${spec.values.join(', ')}`);
  if (spec.minimum !== undefined) facts.push(`min ${spec.minimum}`);
  if (spec.maximum !== undefined) facts.push(`max ${spec.maximum}`);
  const where = spec.section === undefined ? spec.key : `[${spec.section}] ${spec.key}`;
  return `${CONFIG_KEY_MEANINGS[dotted] ?? where} (${facts.join('; ')}; key ${where}, env ${spec.env})`;
}

function describeDefault(spec: ConfigKeySpec): string {
  if (spec.key === 'log_format') return 'pretty on a terminal, json otherwise';
  if (spec.key === 'node_id') return 'the host name';
  if (spec.key === 'server_root') return 'none, required';
  const value = spec.defaultValue;
  if (value === undefined) return 'none';
  if (Array.isArray(value)) return value.length === 0 ? 'none' : value.join(',');
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value);
}

/** Declares one `--flag <value>` per config key (booleans as bare switches) plus `--config FILE` on a command. */
export function addConfigOptions(command: Command, kind: ConfigKind): Command {
  command.option('--config <file>', `${kind}.toml to read (default: none; flag > environment > file > default)`);
  for (const spec of configKeySpecs(kind)) {
    if (spec.type === 'boolean') command.option(`--${spec.flag}`, configOptionHelp(spec));
    else command.option(`--${spec.flag} <value>`, configOptionHelp(spec));
  }
  return command;
}

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
    const value = options[camelCase(spec.flag)];
    if (typeof value === 'string' || typeof value === 'boolean') flags.set(spec.flag, value);
    const fromEnv = env[spec.env];
    if (fromEnv !== undefined) envLayer.set(spec.env, fromEnv);
  }
  const sources = { file, filePath, env: envLayer, flags, fallbacks: kind === 'agent' ? { node_id: hostname() } : {} };
  return kind === 'hub' ? resolveConfig('hub', sources) : resolveConfig('agent', sources);
}

function camelCase(flag: string): string {
  return flag.replace(/-([a-z])/g, (_match, letter: string) => letter.toUpperCase());
}
