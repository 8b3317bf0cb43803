// Idle agent memory: a publisher-only and a gateway-only agent on an empty label, a few seconds after they are ready.
import { setTimeout as sleep } from 'node:timers/promises';
import { BenchCluster } from '../cluster.js';
import { measure } from '../measurement.js';
import type { Scenario, ScenarioContext, ScenarioResult } from '../scenario.js';

// Long enough for a first heartbeat, drift check timer and GC to have run; idle is what stays, not the startup spike.
const IDLE_MS = 5_000;

/** Peak RSS (VmHWM) of each role's agent after idling, so one role's dependencies show in its own figure. */
export const idleRssScenario: Scenario = {
  name: 'idle-rss',
  async run(ctx: ScenarioContext): Promise<ScenarioResult> {
    ctx.log('idle agents: 1 publisher-only, 1 gateway-only');
    const cluster = await BenchCluster.start(ctx.scratch, { gateways: 1 });
    try {
      await sleep(IDLE_MS);
      const usage = await cluster.usage();
      const mb = (bytes: number | undefined) => (bytes ?? Number.NaN) / 1_048_576;
      const gateway = cluster.gateways[0]?.nodeId ?? 'gw-1';
      return {
        measurements: [
          measure('resources.idle.gateway-rss', 'artisync', 'gateway-only agent, idle, peak RSS', 'MB', [mb(usage[gateway]?.peakRssBytes)]),
          measure('resources.idle.publisher-rss', 'artisync', 'publisher-only agent, idle, peak RSS', 'MB', [mb(usage.publisher?.peakRssBytes)]),
          measure('resources.idle.hub-rss', 'artisync', 'hub, idle, peak RSS', 'MB', [mb(usage.hub?.peakRssBytes)]),
        ],
        notes: ['peak RSS (VmHWM) including startup, agents run with MALLOC_ARENA_MAX=2 as in production'],
      };
    } finally {
      await cluster.stop();
    }
  },
};
