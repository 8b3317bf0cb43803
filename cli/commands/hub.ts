// `artisync hub`: runs the HTTP service that validates and stores artifacts.
import type { Command } from 'commander';
import { commandAction } from '../command-action.js';
import { configKeySpecs } from '../../core/config-schema.js';
import { loadConfig } from '../config-loader.js';
import { addConfigOptions } from '../config-options.js';

/** Registers `artisync hub [--config hub.toml]`. */
export function registerHubCommand(program: Command): void {
  const command = program.command('hub').description('run the hub: the HTTP service that validates, versions and fans out artifacts');
  addConfigOptions(command, 'hub', configKeySpecs('hub')).action(
    commandAction(async (options: Record<string, unknown>) => {
      const config = loadConfig('hub', options, process.env);
      // Loaded only for this command: the other commands (and the other daemon) never pay for its modules.
      const { runHub } = await import('../../hub/main.js');
      return runHub(config);
    }),
  );
}
