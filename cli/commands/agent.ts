// `artisync agent`: runs the per-node daemon.
import type { Command } from 'commander';
import { commandAction } from '../command-action.js';
import { addConfigOptions, loadConfig } from '../config-loader.js';

/** Registers `artisync agent [--config agent.toml]`. */
export function registerAgentCommand(program: Command): void {
  const command = program.command('agent').description('run the per-node agent (publisher and/or gateway)');
  addConfigOptions(command, 'agent').action(
    commandAction(async (options: Record<string, unknown>) => {
      const config = loadConfig('agent', options, process.env);
      // Loaded only for this command: the other commands (and the other daemon) never pay for its modules.
      const { runAgent } = await import('../../agent/main.js');
      return runAgent(config);
    }),
  );
}
