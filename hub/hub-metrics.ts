// The hub's Prometheus metrics, one registry per app so tests and several apps in one process never collide.
import { Counter, Histogram, Registry } from 'prom-client';

/** Counters and histograms the hub updates, and the registry /metrics renders. */
export interface HubMetrics {
  registry: Registry;
  requests: Counter<'route' | 'method' | 'status'>;
  versionsWritten: Counter<'label'>;
  conflicts: Counter<'label'>;
  rejects: Counter<'code'>;
  redisLatency: Histogram<'operation'>;
}

/** Creates a fresh registry with every hub metric registered. */
export function createHubMetrics(): HubMetrics {
  const registry = new Registry();
  const registers = [registry];
  return {
    registry,
    requests: new Counter({ name: 'artisync_hub_requests_total', help: 'HTTP requests by route, method and status', labelNames: ['route', 'method', 'status'], registers }),
    versionsWritten: new Counter({ name: 'artisync_hub_versions_written_total', help: 'Artifact versions committed', labelNames: ['label'], registers }),
    conflicts: new Counter({ name: 'artisync_hub_conflicts_total', help: 'Edits based on a version other than the head', labelNames: ['label'], registers }),
    rejects: new Counter({ name: 'artisync_hub_rejects_total', help: 'Requests or changeset items refused, by error code', labelNames: ['code'], registers }),
    redisLatency: new Histogram({
      name: 'artisync_hub_redis_latency_seconds', help: 'Latency of Redis operations', labelNames: ['operation'], registers,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    }),
  };
}
