// `artisync agent`: runs the per-node daemon.
import type { Command } from 'commander';
import { runAgent } from '../../agent/main.js';
import { commandAction } from '../command-action.js';
import { addConfigOptions, loadConfig } from '../config-loader.js';

/** Registers `artisync agent [--config agent.toml]`. */
export function registerAgentCommand(program: Command): void {
  const command = program.command('agent').description('run the per-node agent (publisher and/or gateway)');
  addConfigOptions(command, 'agent').action(
    commandAction(async (options: Record<string, unknown>) => runAgent(loadConfig('agent', options, process.env))),
  );
}
