// `artisync rollback LABEL PATH --to V`: publishes version V's content as a new version.
import type { Command } from 'commander';
import { commandAction } from '../command-action.js';
import { addHubOptions, withHub, type HubCommandOptions } from '../hub-options.js';
import { usageError } from '../usage-error.js';
import { parseVersionOption } from '../version-option.js';

/** Registers `artisync rollback LABEL PATH --to V`. */
export function registerRollbackCommand(program: Command): void {
  const command = program
    .command('rollback')
    .description("publish an old version's content as a new version")
    .argument('<label>', 'label the artifact is in')
    .argument('<path>', 'artifact path relative to the server root')
    .option('--to <version>', 'version whose content becomes the new head')
    .option('--json', 'print the hub reply as JSON');
  addHubOptions(command).action(
    commandAction(async (label: string, path: string, options: HubCommandOptions & { to?: string; json?: boolean }) => {
      const to = parseVersionOption('--to', options.to);
      if (to === undefined) throw usageError('rollback needs --to V: the version whose content to publish again');
      return withHub(options, async (hub) => {
        const result = await hub.rollback(label, { path, to, node: options.node });
        if (options.json === true) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        else if (result.unchanged) process.stdout.write(`${path}: version ${to} is already the current content (version ${result.version})\n`);
        else process.stdout.write(`${path}: version ${result.version} published with the content of version ${to} (revision ${result.revision ?? '-'})\n`);
        return 0;
      });
    }),
  );
}
