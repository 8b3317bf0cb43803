// `artisync diff LABEL PATH [--from V] [--to V]`: unified diff between two versions of an artifact.
import type { Command } from 'commander';
import { commandAction } from '../command-action.js';
import { addHubOptions, withHub, type HubCommandOptions } from '../hub-options.js';
import { parseVersionOption } from '../version-option.js';

/** Registers `artisync diff LABEL PATH [--from V] [--to V]`. */
export function registerDiffCommand(program: Command): void {
  const command = program
    .command('diff')
    .description('print the unified diff between two versions of an artifact (default: previous → current)')
    .argument('<label>', 'label the artifact is in')
    .argument('<path>', 'artifact path relative to the server root')
    .option('--from <version>', 'older version (default: the one before --to)')
    .option('--to <version>', 'newer version (default: the current one)');
  addHubOptions(command).action(
    commandAction(async (label: string, path: string, options: HubCommandOptions & { from?: string; to?: string }) => {
      const from = parseVersionOption('--from', options.from);
      const to = parseVersionOption('--to', options.to);
      return withHub(options, async (hub) => {
        const text = await hub.diff(label, path, from, to);
        process.stdout.write(text.endsWith('\n') || text === '' ? text : `${text}\n`);
        return 0;
      });
    }),
  );
}
