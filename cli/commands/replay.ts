// `artisync replay --node ID --label L (--from REV | --since TIME)`: rewinds a node's consumer group on a label.
import type { Command } from 'commander';
import { commandAction } from '../command-action.js';
import { addHubOptions, withHub, type HubCommandOptions } from '../hub-options.js';
import { usageError } from '../usage-error.js';

/** The replay options as parsed. */
export interface ReplayOptions {
  node?: string;
  label?: string;
  from?: string;
  since?: string;
}

/** Checks replay's options: node and label required, exactly one of --from and --since, each well-formed. */
export function checkReplayOptions(options: ReplayOptions): { node: string; label: string; from?: string; since?: string } {
  if (options.node === undefined || options.label === undefined) throw usageError('replay needs --node ID and --label L');
  if ((options.from === undefined) === (options.since === undefined)) {
    throw usageError('replay needs exactly one of --from REV (a stream entry id like 1700000000000-0) and --since TIME');
  }
  if (options.from !== undefined) {
    if (!/^\d+(-\d+)?$/.test(options.from)) throw usageError(`--from ${JSON.stringify(options.from)} is not a stream revision such as 1700000000000-0`);
    return { node: options.node, label: options.label, from: options.from };
  }
  const since = options.since ?? '';
  if (!/^\d+$/.test(since) && Number.isNaN(Date.parse(since))) {
    throw usageError(`--since ${JSON.stringify(since)} is not a time: use ISO-8601 (2024-05-01T12:00:00Z) or ms since the epoch`);
  }
  return { node: options.node, label: options.label, since };
}

/** Registers `artisync replay`. */
export function registerReplayCommand(program: Command): void {
  const command = program
    .command('replay')
    .description("rewind a node's consumer group on a label so it re-applies from a revision or a time")
    .option('--node <id>', 'node whose consumer group to rewind')
    .option('--label <label>', 'label whose stream to rewind')
    .option('--from <revision>', 'stream revision to re-apply from')
    .option('--since <time>', 're-apply everything since this time (ISO-8601 or ms since the epoch)')
    .option('--json', 'print the hub reply as JSON (default: a table or text)');
  addHubOptions(command, { nodeOption: false }).action(
    commandAction(async (options: HubCommandOptions & ReplayOptions & { json?: boolean }) => {
      const { node, label, from, since } = checkReplayOptions(options);
      // --node names the node to rewind here, not the caller.
      return withHub({ ...options, node: undefined }, async (hub) => {
        const result = await hub.replay(label, { node, from, since });
        if (options.json === true) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        else process.stdout.write(`${node} will re-apply ${label} from revision ${result.revision}\n`);
        return 0;
      });
    }),
  );
}
