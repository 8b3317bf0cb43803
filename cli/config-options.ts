// The `--flag` of every config key on a daemon command, declared from the keys' specs (which the schema computes).
import type { Command } from 'commander';
import { CONFIG_KEY_MEANINGS } from '../core/config-key-help.js';
import type { ConfigKeySpec, ConfigKind } from '../core/config-schema.js';

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

/** Declares one `--flag <value>` per config key of `specs` (booleans as bare switches) plus `--config FILE` on a command. */
export function addConfigOptions(command: Command, kind: ConfigKind, specs: readonly ConfigKeySpec[]): Command {
  command.option('--config <file>', `${kind}.toml to read (default: none; flag > environment > file > default)`);
  for (const spec of specs) {
    if (spec.type === 'boolean') command.option(`--${spec.flag}`, configOptionHelp(spec));
    else command.option(`--${spec.flag} <value>`, configOptionHelp(spec));
  }
  return command;
}

/** The property commander stores a key's flag under (`--quiet-ms` → `quietMs`). */
export function optionNameOf(spec: ConfigKeySpec): string {
  return spec.flag.replace(/-([a-z])/g, (_match, letter: string) => letter.toUpperCase());
}
