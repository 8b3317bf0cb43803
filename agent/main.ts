// Composition root of `artisync agent`: config checks → logger → state_dir lock → hub client → roles → admin API, heartbeats, systemd → signals.
import { readFileSync } from 'node:fs';
import * as fsPromises from 'node:fs/promises';
import { posix } from 'node:path';
import { pino, type Logger } from 'pino';
import { checkAgentRoles, checkStateDirPlacement, type ResolvedFolder } from '../core/agent-config-rules.js';
import type { AgentConfig } from '../core/config-schema.js';
import { ConfigError } from '../core/errors.js';
import { withLogFormat } from '../core/log-format.js';
import { buildAdminApp } from './admin/admin-app.js';
import { parseAdminListen } from './admin/admin-listen.js';
import { AgentMetrics } from './admin/agent-metrics.js';
import type { AgentRole, EchoFilter } from './agent-role.js';
import { HubClient } from '../client/hub-client.js';
import { HeartbeatSender } from './heartbeat-sender.js';
import { OwnPublisherLink } from './own-publisher-link.js';
import type { GatewayRole } from './gateway/gateway-role.js';
import { resolveExisting } from './gateway/tree-confinement.js';
import { lockStateDir } from './state-dir-lock.js';
import { notifySystemdWhenReady } from './systemd-notify.js';

/** How long shutdown may take before the agent exits anyway (SPEC: within a few seconds of SIGTERM). */
const SHUTDOWN_DEADLINE_MS = 8_000;

/** Reads the agent's token from `token` or `token_file`; never logged. */
export function readAgentToken(config: AgentConfig): string | undefined {
  if (config.token !== undefined) return config.token;
  if (config.token_file === undefined) return undefined;
  try {
    return readFileSync(config.token_file, 'utf8').trim();
  } catch (err) {
    throw new ConfigError('ARTISYNC_CONFIG_INVALID', `config key token_file: cannot read ${config.token_file}: ${(err as Error).message}`, { subject: 'token_file', cause: err });
  }
}

/** Creates the agent's logger: log_format (default JSON for journald, pretty on a terminal), secrets redacted. */
export function createAgentLogger(config: AgentConfig): Logger {
  const options = { level: config.log_level, base: { node: config.node_id }, redact: ['token', '*.token', 'headers.authorization'] };
  return pino(withLogFormat(options, config.log_format, process.stdout.isTTY));
}

/** Refuses a state_dir that is server_root or inside it, as written and with symlinks resolved where folders exist. */
export async function checkStateDir(config: AgentConfig): Promise<void> {
  const resolve = async (path: string): Promise<ResolvedFolder> => {
    const absolute = posix.resolve(path);
    return { absolute, real: await resolveExisting(fsPromises, absolute) };
  };
  checkStateDirPlacement(await resolve(config.state_dir), await resolve(config.server_root));
}

/** Runs the agent until SIGTERM or SIGINT, holding state_dir's lock; resolves with the exit status. */
export async function runAgent(config: AgentConfig): Promise<number> {
  checkAgentRoles(config);
  const listen = parseAdminListen(config.admin_listen, config.admin_allow_remote);
  await checkStateDir(config);
  const logger = createAgentLogger(config);
  const lock = await lockStateDir(config.state_dir, logger);
  try {
    return await runRoles(config, listen, logger);
  } finally {
    await lock.release();
  }
}

async function runRoles(config: AgentConfig, listen: ReturnType<typeof parseAdminListen>, logger: Logger): Promise<number> {
  const hub = new HubClient({ hubUrl: config.hub_url, token: readAgentToken(config), node: config.node_id });
  const metrics = new AgentMetrics();
  const roles: AgentRole[] = [];
  let gateway: GatewayRole | undefined;
  const ownPublisher = config.publisher.enabled ? new OwnPublisherLink() : undefined;
  const link = ownPublisher === undefined ? {} : { ownPublisher };
  // Each role's modules load only when it is enabled: a gateway-only host never loads the publisher or the validator.
  if (config.gateway.enabled) {
    const { startGateway } = await import('./gateway/gateway-role.js');
    gateway = await startGateway({ config, logger, hub, echoFilter: { isOwnWrite: () => false }, metrics, ...link });
    roles.push(gateway);
  }
  const echoFilter: EchoFilter = gateway ?? { isOwnWrite: () => false };
  const deps = { config, logger, hub, echoFilter, publisherMetrics: metrics, ...link };
  const publisher = config.publisher.enabled ? await (await import('./publisher/publisher-role.js')).startPublisher(deps) : undefined;
  if (publisher !== undefined) roles.push(publisher);
  metrics.observeRoles({
    artifactStates: () => gateway?.admin.listArtifacts().map((artifact) => artifact.state) ?? [],
    reports: () => roles.map((role) => role.report()),
  });
  const admin = buildAdminApp({ roles: () => roles, gateway: gateway?.admin, publisher: publisher?.admin, registry: metrics.registry, logger });
  await admin.listen(listen);
  const heartbeats = new HeartbeatSender({
    node: config.node_id,
    publisherLabels: config.publisher.labels,
    roles: () => roles,
    target: hub,
    intervalMs: config.heartbeat_interval,
    logger,
  });
  heartbeats.start();
  const systemd = notifySystemdWhenReady({ env: process.env, isReady: () => roles.every((role) => role.isReady()), logger });
  logger.info({ roles: roles.map((role) => role.name), admin: config.admin_listen }, 'agent started');
  await waitForSignal();
  logger.info('agent stopping');
  systemd.cancel();
  const stopped = Promise.all([heartbeats.stop(), ...roles.map((role) => role.stop())]).then(() => admin.close());
  if (!(await finishesWithin(stopped, SHUTDOWN_DEADLINE_MS))) logger.warn({ deadlineMs: SHUTDOWN_DEADLINE_MS }, 'shutdown took too long; exiting anyway');
  logger.info('agent stopped');
  // Unref'd: fires only when something still holds the event loop after every role stopped.
  setTimeout(() => process.exit(0), 1_000).unref();
  return 0;
}

function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGTERM', () => resolve());
    process.once('SIGINT', () => resolve());
  });
}

async function finishesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const done = work.then(
    () => true,
    () => true,
  );
  const finished = await Promise.race([done, deadline]);
  clearTimeout(timer);
  return finished;
}
