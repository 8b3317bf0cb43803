// The TOML files `artisync up` writes for its hub and agents: loopback ports, no tokens, everything under one folder.
import { join } from 'node:path';
import { gatewayRedisUrl } from '../core/redis-acl.js';

/** The label every process of the local cluster uses. */
export const LOCAL_LABEL = 'Production and Sandbox';

/** Ports and folders of one local cluster. */
export interface LocalClusterLayout {
  dir: string;
  redisPort: number;
  hubPort: number;
  /** Admin API port per agent node id. */
  adminPorts: Record<string, number>;
  /** Password of the read-only gateway ACL user the gateways connect to Redis as (README's gateway ACL). */
  gatewayRedisPassword: string;
}

/** One agent of the local cluster. */
export interface LocalAgent {
  node: string;
  role: 'publisher' | 'gateway';
}

/** The agents `artisync up` starts: one publisher and two gateways. */
export const LOCAL_AGENTS: readonly LocalAgent[] = [
  { node: 'publisher', role: 'publisher' },
  { node: 'gateway-1', role: 'gateway' },
  { node: 'gateway-2', role: 'gateway' },
];

function tomlString(value: string): string {
  return JSON.stringify(value);
}

/** hub.toml for the local hub: no tokens (insecure), the private Redis. */
export function localHubToml(layout: LocalClusterLayout): string {
  return [
    '# Written by `artisync up`: a hub without tokens, for trying things out on this machine only.',
    `listen = "127.0.0.1:${layout.hubPort}"`,
    `redis_url = "redis://127.0.0.1:${layout.redisPort}/0"`,
    'insecure = true',
    '',
  ].join('\n');
}

/** agent.toml for one local agent: its own server root, state_dir and admin port, one role; gateways as the ACL user. */
export function localAgentToml(layout: LocalClusterLayout, agent: LocalAgent): string {
  const adminPort = layout.adminPorts[agent.node];
  if (adminPort === undefined) throw new Error(`no admin port for ${agent.node}`);
  const isPublisher = agent.role === 'publisher';
  const redisUrl = `redis://127.0.0.1:${layout.redisPort}/0`;
  return [
    `# Written by \`artisync up\`: the ${agent.role} ${agent.node}.`,
    `node_id = ${tomlString(agent.node)}`,
    `server_root = ${tomlString(join(layout.dir, agent.node))}`,
    `hub_url = "http://127.0.0.1:${layout.hubPort}"`,
    `redis_url = ${tomlString(isPublisher ? redisUrl : gatewayRedisUrl(redisUrl, layout.gatewayRedisPassword))}`,
    `state_dir = ${tomlString(join(layout.dir, 'state', agent.node))}`,
    `admin_listen = "127.0.0.1:${adminPort}"`,
    'heartbeat_interval = 1000',
    '',
    '[publisher]',
    `enabled = ${isPublisher}`,
    `labels = [${isPublisher ? tomlString(LOCAL_LABEL) : ''}]`,
    '',
    '[gateway]',
    `enabled = ${!isPublisher}`,
    `gateway_labels = [${isPublisher ? '' : tomlString(LOCAL_LABEL)}]`,
    'verify_interval = 10000',
    '',
  ].join('\n');
}
