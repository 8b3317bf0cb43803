// The agent's /metrics: artifacts per state, invalid files by code, pending pushes and sync retries, read at scrape time.
import { describe, expect, it } from 'vitest';
import { AgentMetrics } from '../../agent/admin/agent-metrics.js';
import type { RoleReport } from '../../agent/agent-role.js';

describe('AgentMetrics', () => {
  it('computes the role gauges from the running roles when scraped', async () => {
    const metrics = new AgentMetrics();
    let states = ['synced', 'synced', 'overridden'];
    const reports: RoleReport[] = [
      { invalid: [{ path: 'synapse-configs/default/api/a.xml', code: 'ARTISYNC_XML_MALFORMED', message: 'bad' }], pending: 3 },
      {},
    ];
    metrics.observeRoles({ artifactStates: () => states, reports: () => reports });
    metrics.countSyncRetry();
    let text = await metrics.registry.metrics();
    expect(text).toContain('artisync_artifacts{state="synced"} 2');
    expect(text).toContain('artisync_artifacts{state="overridden"} 1');
    expect(text).toContain('artisync_invalid_artifacts{code="ARTISYNC_XML_MALFORMED"} 1');
    expect(text).toContain('artisync_publisher_pending 3');
    expect(text).toContain('artisync_gateway_sync_retries_total 1');
    states = ['synced'];
    text = await metrics.registry.metrics();
    expect(text).toContain('artisync_artifacts{state="synced"} 1');
    expect(text).not.toContain('state="overridden"');
  });
});
