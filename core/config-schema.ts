// Config schemas for hub.toml and agent.toml, the flag/env names of every key, and the merge flag > env > file > default.
import { z } from 'zod';
import { DEFAULT_TREES, SYNCED_TREES } from './artifact-path.js';
import { describeConfigIssue } from './config-issue-wording.js';
import { ConfigError } from './errors.js';

const listenAddress = z.string().regex(/^[^\s:]+:\d{1,5}$/, 'expected host:port');
const stringList = z.array(z.string().min(1));
const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info');
// Absent means: pretty on a terminal, JSON lines otherwise (journald, a pipe).
const logFormat = z.enum(['pretty', 'json']).optional();

const hubSchema = z.strictObject({
  listen: listenAddress.default('127.0.0.1:7420'),
  redis_url: z.string().min(1).default('redis://127.0.0.1:6379/0'),
  tokens_file: z.string().min(1).optional(),
  history_limit: z.int().min(1).default(50),
  stream_maxlen: z.int().min(100).default(100_000),
  max_artifact_bytes: z.int().min(1).default(5_242_880),
  conflict_policy: z.enum(['last-writer-wins', 'reject']).default('last-writer-wins'),
  tls_cert: z.string().min(1).optional(),
  tls_key: z.string().min(1).optional(),
  insecure: z.boolean().default(false),
  durable_replicas: z.int().min(0).default(0),
  durable_timeout: z.int().min(1).default(5_000),
  require_durable_commits: z.boolean().default(false),
  log_level: logLevel,
  log_format: logFormat,
});

const publisherSchema = z.strictObject({
  enabled: z.boolean().default(false),
  labels: stringList.default([]),
  quiet_ms: z.int().min(0).default(5),
  mass_delete_guard: z.number().min(0).max(1).default(0.5),
  audit_interval: z.int().min(100).default(60_000),
  delete_delay_ms: z.int().min(0).default(1_000),
  rescan_interval: z.int().min(100).default(60_000),
});

const gatewaySchema = z.strictObject({
  enabled: z.boolean().default(false),
  gateway_labels: stringList.default([]),
  deployment_retry_duration: z.int().min(1).default(15_000),
  data_retrieval_mode: z.enum(['sync', 'async']).default('async'),
  event_waiting_time: z.int().min(0).default(1),
  on_deploy: z.array(z.string()).default([]),
  on_deploy_timeout: z.int().min(1).default(30_000),
  verify_interval: z.int().min(1).default(60_000),
});

const agentSchema = z.strictObject({
  node_id: z.string().min(1),
  server_root: z.string().min(1),
  hub_url: z.string().url().default('http://127.0.0.1:7420'),
  token: z.string().min(1).optional(),
  token_file: z.string().min(1).optional(),
  redis_url: z.string().min(1).default('redis://127.0.0.1:6379/0'),
  state_dir: z.string().min(1).default('/var/lib/artisync'),
  admin_listen: listenAddress.default('127.0.0.1:7421'),
  admin_allow_remote: z.boolean().default(false),
  heartbeat_interval: z.int().min(100).default(5_000),
  max_artifact_bytes: z.int().min(1).default(5_242_880),
  log_level: logLevel,
  log_format: logFormat,
  trees: z.array(z.enum(SYNCED_TREES)).min(1).default([...DEFAULT_TREES]).transform((trees) => [...new Set(trees)]),
  publisher: publisherSchema.default(publisherSchema.parse({})),
  gateway: gatewaySchema.default(gatewaySchema.parse({})),
});

export type HubConfig = z.infer<typeof hubSchema>;
export type AgentConfig = z.infer<typeof agentSchema>;
export type ConfigKind = 'hub' | 'agent';

/** How a key is named on the command line and in the environment, and where it sits in the file. */
export interface ConfigKeySpec {
  /** Section in the TOML file, or undefined for the top level. */
  section: 'publisher' | 'gateway' | undefined;
  key: string;
  flag: string;
  env: string;
  type: 'string' | 'int' | 'number' | 'boolean' | 'list';
  /** The value used when no source sets the key; undefined when there is none. */
  defaultValue: unknown;
  minimum?: number;
  maximum?: number;
  /** The allowed values of an enum key. */
  values?: string[];
}

/** Every settable key of a config kind, in the order `--help` lists them. */
export function configKeySpecs(kind: ConfigKind): ConfigKeySpec[] {
  if (kind === 'hub') return keySpecsOf(hubSchema.shape, undefined);
  const { publisher, gateway, ...top } = agentSchema.shape;
  return [
    ...keySpecsOf(top, undefined),
    ...keySpecsOf(publisher.unwrap().shape, 'publisher'),
    ...keySpecsOf(gateway.unwrap().shape, 'gateway'),
  ];
}

function keySpecsOf(shape: Record<string, z.ZodType>, section: ConfigKeySpec['section']): ConfigKeySpec[] {
  return Object.entries(shape).map(([key, schema]) => {
    const name = key === 'enabled' && section !== undefined ? `${section}_enabled` : key;
    const json = z.toJSONSchema(schema, { unrepresentable: 'any', io: 'input' }) as SchemaFacts;
    const fallback = schema.safeParse(undefined);
    return {
      section, key, flag: name.replaceAll('_', '-'), env: `ARTISYNC_${name.toUpperCase()}`, type: typeOfSchema(json),
      defaultValue: fallback.success ? fallback.data : undefined,
      ...(json.minimum === undefined ? {} : { minimum: json.minimum }),
      ...(json.maximum === undefined || json.maximum >= Number.MAX_SAFE_INTEGER ? {} : { maximum: json.maximum }),
      ...(json.enum === undefined ? {} : { values: json.enum }),
    };
  });
}

/** The parts of a key's JSON schema the specs read. */
interface SchemaFacts {
  type?: string;
  minimum?: number;
  maximum?: number;
  enum?: string[];
}

function typeOfSchema(json: SchemaFacts): ConfigKeySpec['type'] {
  if (json.type === 'boolean') return 'boolean';
  if (json.type === 'integer') return 'int';
  if (json.type === 'number') return 'number';
  if (json.type === 'array') return 'list';
  return 'string';
}

/** Raw values from one source, keyed by ConfigKeySpec.flag; strings are parsed by the key's type. */
export type ConfigLayer = Map<string, string | boolean | number | string[]>;

/** A file's parsed TOML, the layer from the environment and the layer from flags, with where the file came from. */
export interface ConfigSources {
  file: Record<string, unknown>;
  filePath: string | undefined;
  env: ConfigLayer;
  flags: ConfigLayer;
  /** Values computed by the edge when absent everywhere else, e.g. node_id = the host name. */
  fallbacks?: Record<string, unknown>;
}

/** Merges flag > env > file > default and validates; throws ConfigError naming the key (and file) on any problem. */
export function resolveConfig(kind: 'hub', sources: ConfigSources): HubConfig;
export function resolveConfig(kind: 'agent', sources: ConfigSources): AgentConfig;
export function resolveConfig(kind: ConfigKind, sources: ConfigSources): HubConfig | AgentConfig {
  const merged = structuredClone(sources.file);
  for (const [name, value] of Object.entries(sources.fallbacks ?? {})) {
    if (merged[name] === undefined) merged[name] = value;
  }
  const origins = new Map<string, string>();
  for (const spec of configKeySpecs(kind)) {
    const raw = sources.flags.get(spec.flag) ?? sources.env.get(spec.env);
    if (raw === undefined) continue;
    const origin = sources.flags.has(spec.flag) ? `--${spec.flag}` : spec.env;
    origins.set(dottedKey(spec), origin);
    setKey(merged, spec, coerce(raw, spec, origin));
  }
  const schema = kind === 'hub' ? hubSchema : agentSchema;
  const parsed = schema.safeParse(merged);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  if (issue === undefined) throw new ConfigError('ARTISYNC_CONFIG_INVALID', `invalid config${sources.filePath === undefined ? '' : ` ${sources.filePath}`}`);
  const key = issue.path.map(String).join('.');
  const spec = configKeySpecs(kind).find((candidate) => dottedKey(candidate) === key);
  const howToSet = spec === undefined ? `the [${key}] table` : `--${spec.flag} or ${spec.env}`;
  const value = issue.path.reduce<unknown>((at, part) => (typeof at === 'object' && at !== null ? (at as Record<PropertyKey, unknown>)[part] : undefined), merged);
  const message = describeConfigIssue(issue, { key, value, origin: origins.get(key), filePath: sources.filePath, howToSet });
  throw new ConfigError('ARTISYNC_CONFIG_INVALID', message, { subject: key === '' ? sources.filePath ?? 'config' : key });
}

function dottedKey(spec: ConfigKeySpec): string {
  return spec.section === undefined ? spec.key : `${spec.section}.${spec.key}`;
}

function setKey(target: Record<string, unknown>, spec: ConfigKeySpec, value: unknown): void {
  if (spec.section === undefined) {
    target[spec.key] = value;
    return;
  }
  const current = target[spec.section];
  const section = typeof current === 'object' && current !== null ? (current as Record<string, unknown>) : {};
  section[spec.key] = value;
  target[spec.section] = section;
}

function coerce(raw: string | boolean | number | string[], spec: ConfigKeySpec, origin: string): unknown {
  if (typeof raw !== 'string') return raw;
  switch (spec.type) {
    case 'boolean':
      if (raw === 'true' || raw === '1' || raw === '') return true;
      if (raw === 'false' || raw === '0') return false;
      break;
    case 'int':
    case 'number': {
      const value = Number(raw);
      if (raw.trim() !== '' && Number.isFinite(value)) return value;
      break;
    }
    case 'list':
      return raw.split(',').map((item) => item.trim()).filter((item) => item.length > 0);
    case 'string':
      return raw;
  }
  throw new ConfigError('ARTISYNC_CONFIG_INVALID', `config key ${spec.key}: ${origin}=${JSON.stringify(raw)} is not a ${spec.type}`, { subject: spec.key });
}
