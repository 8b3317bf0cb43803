// `artisync agent`: runs the per-node daemon.
import type { Command } from 'commander';
import { commandAction } from '../command-action.js';
import { addConfigOptions } from '../config-options.js';
import { configKeySpecsInWorker, loadAgentConfigInWorker } from '../config-worker-client.js';

/** Registers `artisync agent [--config agent.toml]`; the flags come from the schema, read in a worker first. */
export async function registerAgentCommand(program: Command): Promise<void> {
  const command = program.command('agent').description('run the per-node agent (publisher and/or gateway)');
  addConfigOptions(command, 'agent', await configKeySpecsInWorker('agent')).action(
    commandAction(async (options: Record<string, unknown>) => {
      const config = await loadAgentConfigInWorker(options, process.env);
      // Loaded only for this command: the other commands (and the other daemon) never pay for its modules.
      const { runAgent } = await import('../../agent/main.js');
      return runAgent(config);
    }),
  );
}
