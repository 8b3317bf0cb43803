#!/usr/bin/env node
// The artisync command line: one commander program, each command registered from its own file.
import { Command, CommanderError } from 'commander';
import { EXIT, printError } from './command-action.js';
import { registerAgentCommand } from './commands/agent.js';
import { registerDeletesCommand } from './commands/deletes.js';
import { registerHubCommand } from './commands/hub.js';
import { registerOverrideCommand } from './commands/override.js';
import { registerRedeployCommand } from './commands/redeploy.js';
import { registerUndeployCommand } from './commands/undeploy.js';
import { registerValidateCommand } from './commands/validate.js';
import { registerImportCommand } from './commands/import.js';
import { registerExportCommand } from './commands/export.js';
import { registerLsCommand } from './commands/ls.js';
import { registerLabelsCommand } from './commands/labels.js';
import { registerHistoryCommand } from './commands/history.js';
import { registerDiffCommand } from './commands/diff.js';
import { registerRollbackCommand } from './commands/rollback.js';
import { registerReplayCommand } from './commands/replay.js';
import { registerStatusCommand } from './commands/status.js';
import { registerUpCommand } from './commands/up.js';
import { registerVerifyCommand } from './commands/verify.js';
import { registerNodeCommand } from './commands/node.js';
import { packageVersion } from './package-version.js';

const program = new Command('artisync')
  .description('Keeps WSO2 API Manager gateway artifacts in sync through a hub backed by Redis Streams')
  .version(packageVersion(), '-V, --version', 'print the artisync version and exit')
  .showHelpAfterError(false)
  .configureOutput({ outputError: (text) => printError(text.replace(/^error: /, '').trim()) })
  .exitOverride();

registerAgentCommand(program);
registerHubCommand(program);
registerOverrideCommand(program);
registerDeletesCommand(program);
registerRedeployCommand(program);
registerUndeployCommand(program);
registerValidateCommand(program);
registerImportCommand(program);
registerExportCommand(program);
registerLabelsCommand(program);
registerLsCommand(program);
registerHistoryCommand(program);
registerDiffCommand(program);
registerRollbackCommand(program);
registerReplayCommand(program);
registerStatusCommand(program);
registerUpCommand(program);
registerVerifyCommand(program);
registerNodeCommand(program);

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
