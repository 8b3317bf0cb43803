// The agent's Prometheus metrics, in a registry of its own (no global state), served by the admin API.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { PublisherMetrics, RoleReport } from '../agent-role.js';
import type { GatewayMetrics } from '../gateway/gateway-context.js';

/** What the scrape-time gauges read: the gateway's artifact states and the roles' reports. */
export interface AgentMetricSources {
  artifactStates(): readonly string[];
  reports(): readonly RoleReport[];
}

/** Counters, gauges and histograms one agent process exposes on /metrics. */
export class AgentMetrics implements GatewayMetrics, PublisherMetrics {
  readonly registry = new Registry();
  private readonly lag: Histogram;
  private readonly repairs: Counter;
  private readonly overrides: Gauge;
  private readonly redisErrors: Counter;
  private readonly syncRetries: Counter;
  private readonly hubErrors: Counter;
  private readonly backgroundFailures: Counter;

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'artisync_agent_' });
    this.lag = new Histogram({
      name: 'artisync_propagation_lag_seconds',
      help: 'Time from the hub committing a changeset to its files being on this gateway\'s disk',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [this.registry],
    });
    this.repairs = new Counter({ name: 'artisync_drift_repairs_total', help: 'Files rewritten or removed by drift checks (each one a missed event)', registers: [this.registry] });
    this.overrides = new Gauge({ name: 'artisync_overrides', help: 'Paths held as overrides on this node', registers: [this.registry] });
    this.redisErrors = new Counter({ name: 'artisync_redis_errors_total', help: 'Redis connection and command errors seen by the gateway', registers: [this.registry] });
    this.syncRetries = new Counter({ name: 'artisync_gateway_sync_retries_total', help: 'Failed gateway syncs scheduled for another try', registers: [this.registry] });
    this.backgroundFailures = new Counter({ name: 'artisync_background_failures_total', help: 'Failures of background jobs (record saves, folder watches and reads), by job', labelNames: ['job'], registers: [this.registry] });
    this.hubErrors = new Counter({ name: 'artisync_publisher_hub_errors_total', help: 'Pushes the hub answered with an error of its own (retried), by code', labelNames: ['code'], registers: [this.registry] });
  }

  /** Registers the gauges computed at scrape time from the running roles. */
  observeRoles(sources: AgentMetricSources): void {
    new Gauge({
      name: 'artisync_artifacts', help: 'Artifacts on this gateway by state', labelNames: ['state'], registers: [this.registry],
      collect() {
        this.reset();
        for (const state of sources.artifactStates()) this.inc({ state });
      },
    });
    new Gauge({
      name: 'artisync_invalid_artifacts', help: 'Files the publisher refuses to push, by error code', labelNames: ['code'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const report of sources.reports()) for (const invalid of report.invalid ?? []) this.inc({ code: invalid.code });
      },
    });
    new Gauge({
      name: 'artisync_deploy_failures', help: 'Versions the server on this gateway refused to deploy (moved to .back, previous artifact restored)',
      registers: [this.registry],
      collect() {
        this.set(sources.reports().reduce((sum, report) => sum + (report.deployFailures?.length ?? 0), 0));
      },
    });
    new Gauge({
      name: 'artisync_publisher_pending', help: 'Changed paths waiting for the hub (retried with backoff)', registers: [this.registry],
      collect() {
        this.set(sources.reports().reduce((sum, report) => sum + (report.pending ?? 0), 0));
      },
    });
  }

  observePropagationLag(seconds: number): void {
    this.lag.observe(seconds);
  }

  countRepairs(count: number): void {
    if (count > 0) this.repairs.inc(count);
  }

  setOverrides(count: number): void {
    this.overrides.set(count);
  }

  countRedisError(): void {
    this.redisErrors.inc();
  }

  countSyncRetry(): void {
    this.syncRetries.inc();
  }

  countBackgroundFailure(job: string): void {
    this.backgroundFailures.inc({ job });
  }

  countHubError(code: string): void {
    this.hubErrors.inc({ code });
  }
}
