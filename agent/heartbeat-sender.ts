// Tells the hub every heartbeat_interval what this node is doing: roles, labels, applied revisions, lag, overrides, errors.
import type { Logger } from 'pino';
import type { NodeHeartbeat } from '../core/hub-api.js';
import type { AgentRole } from './agent-role.js';

/** Where heartbeats go (the hub client fits). */
export interface HeartbeatTarget {
  heartbeat(body: NodeHeartbeat): Promise<void>;
}

/** What the sender needs. */
export interface HeartbeatDeps {
  node: string;
  publisherLabels: readonly string[];
  roles: () => readonly AgentRole[];
  target: HeartbeatTarget;
  intervalMs: number;
  logger: Logger;
}

/** Merges every role's report into one heartbeat. */
export function buildHeartbeat(node: string, publisherLabels: readonly string[], roles: readonly AgentRole[]): NodeHeartbeat {
  const heartbeat: NodeHeartbeat = {
    node,
    roles: roles.map((role) => role.name),
    publisherLabels: roles.some((role) => role.name === 'publisher') ? [...publisherLabels] : [],
    gatewayLabels: {},
    overrides: [],
    invalid: [],
    conflicts: [],
    pending: 0,
    ready: roles.length > 0 && roles.every((role) => role.isReady()),
  };
  const errors: string[] = [];
  for (const role of roles) {
    const report = role.report();
    Object.assign(heartbeat.gatewayLabels, report.gatewayLabels ?? {});
    heartbeat.overrides.push(...(report.overrides ?? []));
    heartbeat.invalid.push(...(report.invalid ?? []));
    heartbeat.conflicts.push(...(report.conflicts ?? []));
    heartbeat.pending += report.pending ?? 0;
    if (report.publisherLabels !== undefined) heartbeat.publisherLabels = report.publisherLabels;
    if (report.lastError !== undefined) errors.push(`${role.name}: ${report.lastError}`);
    if (report.lastVerification !== undefined) heartbeat.lastVerification = report.lastVerification;
    if (report.heldDeletes !== undefined) heartbeat.heldDeletes = [...(heartbeat.heldDeletes ?? []), ...report.heldDeletes];
    if (report.deployFailures !== undefined) heartbeat.deployFailures = [...(heartbeat.deployFailures ?? []), ...report.deployFailures];
  }
  if (errors.length > 0) heartbeat.lastError = errors.join('; ');
  return heartbeat;
}

/** Sends a heartbeat now and then every intervalMs; failures are logged once per outage. */
export class HeartbeatSender {
  private timer: NodeJS.Timeout | undefined;
  private failing = false;
  private inFlight: Promise<void> = Promise.resolve();

  constructor(private readonly deps: HeartbeatDeps) {}

  start(): void {
    this.inFlight = this.send();
    this.timer = setInterval(() => {
      this.inFlight = this.send();
    }, this.deps.intervalMs);
    this.timer.unref();
  }

  /** Stops the timer and waits for a heartbeat in flight. */
  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    await this.inFlight;
  }

  private async send(): Promise<void> {
    const body = { ...buildHeartbeat(this.deps.node, this.deps.publisherLabels, this.deps.roles()), heartbeatIntervalMs: this.deps.intervalMs };
    try {
      await this.deps.target.heartbeat(body);
      if (this.failing) this.deps.logger.info('heartbeats reach the hub again');
      this.failing = false;
    } catch (err) {
      if (!this.failing) this.deps.logger.warn({ err }, 'heartbeat failed');
      this.failing = true;
    }
  }
}
