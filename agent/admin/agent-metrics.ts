// The agent's Prometheus metrics, in a registry of its own (no global state), served by the admin API.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { GatewayMetrics } from '../gateway/gateway-context.js';

/** Counters, gauges and histograms one agent process exposes on /metrics. */
export class AgentMetrics implements GatewayMetrics {
  readonly registry = new Registry();
  private readonly lag: Histogram;
  private readonly repairs: Counter;
  private readonly overrides: Gauge;
  private readonly redisErrors: Counter;

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
}
