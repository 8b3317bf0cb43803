// `artisync status`: every node the hub knows, and exit 1 when a gateway lags or a node has not been seen.
import type { Command } from 'commander';
import type { NodeStatus } from '../../core/hub-api.js';
import type { HubClient } from '../../agent/hub-client.js';
import { commandAction } from '../command-action.js';
import { addHubOptions, withHub, type HubCommandOptions } from '../hub-options.js';
import { findNodeProblems, formatNodeTable, sortNodes, type NodeProblem } from '../node-health.js';
import { usageError } from '../usage-error.js';

/** The status options as parsed. */
interface StatusOptions extends HubCommandOptions {
  json?: boolean;
  maxLag: string;
  staleAfter: string;
  lagGrace: string;
}

const POLL_INTERVAL_MS = 500;

function parseCount(flag: string, raw: string): number {
  if (!/^\d+$/.test(raw.trim())) throw usageError(`${flag} ${JSON.stringify(raw)} is not a whole number`);
  return Number(raw.trim());
}

/** Reads the nodes until no gateway lags or the grace period is over; stale nodes do not wait. */
async function settleNodes(hub: HubClient, maxLag: number, staleAfterMs: number, graceMs: number): Promise<{ nodes: NodeStatus[]; problems: NodeProblem[]; now: number }> {
  const deadline = Date.now() + graceMs;
  for (;;) {
    const nodes = await hub.nodes();
    const now = Date.now();
    const problems = findNodeProblems(nodes, { now, maxLag, staleAfterMs });
    const lagging = problems.some((problem) => problem.kind === 'lag');
    if (!lagging || now >= deadline) return { nodes, problems, now };
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}

/** Registers `artisync status`. */
export function registerStatusCommand(program: Command): void {
  const command = program
    .command('status')
    .description('list every known node: roles, labels, applied revision and lag, last seen, overrides, invalid files, last verification; exit 1 when a node lags or is unseen')
    .option('--json', 'print nodes and problems as JSON')
    .option('--max-lag <entries>', 'stream entries a gateway may be behind', '0')
    .option('--lag-grace <ms>', 'how long a lagging gateway gets to catch up before it counts', '5000')
    .option('--stale-after <seconds>', 'a node unseen for longer than this counts as down', '30');
  addHubOptions(command).action(
    commandAction(async (options: StatusOptions) => {
      const maxLag = parseCount('--max-lag', options.maxLag);
      const graceMs = parseCount('--lag-grace', options.lagGrace);
      const staleAfterMs = parseCount('--stale-after', options.staleAfter) * 1_000;
      return withHub(options, async (hub) => {
        const { nodes, problems, now } = await settleNodes(hub, maxLag, staleAfterMs, graceMs);
        if (options.json === true) {
          process.stdout.write(`${JSON.stringify({ nodes: sortNodes(nodes), problems }, null, 2)}\n`);
        } else {
          process.stdout.write(nodes.length === 0 ? 'no node has reported to this hub yet\n' : formatNodeTable(nodes, now));
          for (const problem of problems) process.stderr.write(`artisync: ${problem.message}\n`);
        }
        return problems.length === 0 ? 0 : 1;
      });
    }),
  );
}
