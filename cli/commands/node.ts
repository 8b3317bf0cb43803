// `artisync node forget ID`: removes a retired node from `status` and its consumer groups on every label.
import type { Command } from 'commander';
import { commandAction } from '../command-action.js';
import { addHubOptions, withHub, type HubCommandOptions } from '../hub-options.js';

/** Registers `artisync node forget`. */
export function registerNodeCommand(program: Command): void {
  const node = program.command('node').description('manage the nodes the hub knows');
  const forget = node
    .command('forget')
    .description('remove a retired node (its agent stopped) from status and its consumer groups on every label; needs an admin token')
    .argument('<id>', 'node id as `artisync status` lists it')
    .option('--json', 'print the hub reply as JSON');
  addHubOptions(forget, { nodeOption: false }).action(
    commandAction(async (id: string, options: HubCommandOptions & { json?: boolean }) => withHub(options, async (hub) => {
      const result = await hub.forgetNode(id);
      if (options.json === true) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      else process.stdout.write(`forgot node ${id}${result.labels.length === 0 ? '' : `; removed its consumer group on ${result.labels.join(', ')}`}\n`);
      return 0;
    })),
  );
}
