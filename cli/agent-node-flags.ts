// The Node flags an agent runs with wherever artisync starts one (`artisync up`, the bench); the systemd units set
// the same through NODE_OPTIONS (test/unit/agent-node-flags.test.ts keeps them equal).

/**
 * A young generation of 3 × 4 MB instead of V8's 3 × 16 MB: at 10,000 artifacts it lowered the agents' peak RSS by
 * 15–25 MB (cold gateway 143–146 → 119–121 MB) with bulk and cold-start times unchanged within the noise
 * (docs/deployment-memory.md).
 */
export const AGENT_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=4'];
