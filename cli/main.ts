#!/usr/bin/env node
// The artisync command line: one commander program, each command registered from its own file.
import { Command, CommanderError } from 'commander';
import { EXIT, printError } from './command-action.js';
import { packageVersion } from './package-version.js';

type Register = (program: Command) => void | Promise<void>;

// In the order `--help` lists them. A run of one command loads only that command's file and what it imports: a daemon
// (agent, hub) never carries the other commands' modules for the rest of its life.
const COMMANDS: Record<string, () => Promise<Register>> = {
  agent: async () => (await import('./commands/agent.js')).registerAgentCommand,
  hub: async () => (await import('./commands/hub.js')).registerHubCommand,
  override: async () => (await import('./commands/override.js')).registerOverrideCommand,
  deletes: async () => (await import('./commands/deletes.js')).registerDeletesCommand,
  redeploy: async () => (await import('./commands/redeploy.js')).registerRedeployCommand,
  undeploy: async () => (await import('./commands/undeploy.js')).registerUndeployCommand,
  validate: async () => (await import('./commands/validate.js')).registerValidateCommand,
  import: async () => (await import('./commands/import.js')).registerImportCommand,
  export: async () => (await import('./commands/export.js')).registerExportCommand,
  labels: async () => (await import('./commands/labels.js')).registerLabelsCommand,
  ls: async () => (await import('./commands/ls.js')).registerLsCommand,
  history: async () => (await import('./commands/history.js')).registerHistoryCommand,
  diff: async () => (await import('./commands/diff.js')).registerDiffCommand,
  rollback: async () => (await import('./commands/rollback.js')).registerRollbackCommand,
  replay: async () => (await import('./commands/replay.js')).registerReplayCommand,
  status: async () => (await import('./commands/status.js')).registerStatusCommand,
  up: async () => (await import('./commands/up.js')).registerUpCommand,
  verify: async () => (await import('./commands/verify.js')).registerVerifyCommand,
  node: async () => (await import('./commands/node.js')).registerNodeCommand,
};

const program = new Command('artisync')
  .description('Keeps WSO2 API Manager gateway artifacts in sync through a hub backed by Redis Streams')
  .version(packageVersion(), '-V, --version', 'print the artisync version and exit')
  .showHelpAfterError(false)
  .configureOutput({ outputError: (text) => printError(text.replace(/^error: /, '').trim()) })
  .exitOverride();

const named = process.argv[2];
const chosen = named !== undefined && Object.hasOwn(COMMANDS, named) ? COMMANDS[named] : undefined;
for (const load of chosen === undefined ? Object.values(COMMANDS) : [chosen]) await (await load())(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    process.exitCode = err.exitCode === 0 ? EXIT.ok : EXIT.usage;
  } else {
    printError(err instanceof Error ? err.message : String(err));
    process.exitCode = EXIT.failed;
  }
}
