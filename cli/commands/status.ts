// `artisync status`: every node the hub knows, and exit 1 when a gateway has not applied the hub's head, fails to apply,
// or a node is frozen.
import type { Command } from 'commander';
import type { NodeStatus } from '../../core/hub-api.js';
import type { HubClient } from '../../client/hub-client.js';
import { commandAction } from '../command-action.js';
import { addHubOptions, withHub, type HubCommandOptions } from '../hub-options.js';
import { findNodeProblems, formatNodeTable, hubHeads, sortNodes, type NodeProblem } from '../node-health.js';
import { usageError } from '../usage-error.js';

/** The status options as parsed. */
interface StatusOptions extends HubCommandOptions {
  json?: boolean;
  maxLag: string;
  staleAfter?: string;
  lagGrace: string;
}

const POLL_INTERVAL_MS = 500;

function parseCount(flag: string, raw: string): number {
  if (!/^\d+$/.test(raw.trim())) throw usageError(`${flag} ${JSON.stringify(raw)} is not a whole number`);
  return Number(raw.trim());
}

/**
 * Reads the nodes until every gateway has applied the heads the hub had at the first read and none reports failing
 * applies, or the grace period is over; frozen nodes do not wait.
 */
async function settleNodes(hub: HubClient, maxLag: number, staleAfterMs: number | undefined, graceMs: number): Promise<{ nodes: NodeStatus[]; problems: NodeProblem[]; now: number }> {
  const deadline = Date.now() + graceMs;
  let targets: Map<string, string> | undefined;
  for (;;) {
    const nodes = await hub.nodes();
    targets ??= hubHeads(nodes);
    const now = Date.now();
    const problems = findNodeProblems(nodes, { now, maxLag, targets, ...(staleAfterMs === undefined ? {} : { staleAfterMs }) });
    const waiting = problems.some((problem) => problem.kind !== 'stale');
    if (!waiting || now >= deadline) return { nodes, problems, now };
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}

/** Registers `artisync status`. */
export function registerStatusCommand(program: Command): void {
  const command = program
    .command('status')
    .description('list every known node: roles, labels, state, applied revision and lag, last seen, overrides, invalid files, last verification; exit 1 when a gateway is behind the hub or failing, or a node is frozen')
    .option('--json', 'print nodes and problems as JSON')
    .option('--max-lag <entries>', 'stream entries a gateway may be behind the hub\'s head', '0')
    .option('--lag-grace <ms>', 'how long a gateway gets to apply the hub\'s head (and clear failing applies) before it counts', '5000')
    .option('--stale-after <seconds>', 'a node without a heartbeat for longer than this is frozen or down (default: 3 of its heartbeat intervals, at least 10 s; 30 s for agents that do not send it)');
  addHubOptions(command).action(
    commandAction(async (options: StatusOptions) => {
      const maxLag = parseCount('--max-lag', options.maxLag);
      const graceMs = parseCount('--lag-grace', options.lagGrace);
      const staleAfterMs = options.staleAfter === undefined ? undefined : parseCount('--stale-after', options.staleAfter) * 1_000;
      return withHub(options, async (hub) => {
        const { nodes, problems, now } = await settleNodes(hub, maxLag, staleAfterMs, graceMs);
        if (options.json === true) {
          process.stdout.write(`${JSON.stringify({ nodes: sortNodes(nodes), problems }, null, 2)}\n`);
        } else {
          process.stdout.write(nodes.length === 0 ? 'no node has reported to this hub yet\n' : formatNodeTable(nodes, now, problems));
          for (const problem of problems) process.stderr.write(`artisync: ${problem.message}\n`);
        }
        return problems.length === 0 ? 0 : 1;
      });
    }),
  );
}
