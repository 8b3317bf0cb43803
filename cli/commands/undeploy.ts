// `artisync undeploy PATH`: node-local, removes a path on this node only until redeploy.
import type { Command } from 'commander';
import { AdminClient } from '../../client/admin-client.js';
import { addAdminOptions, resolveAdminUrl } from '../admin-target.js';
import { EXIT, commandAction } from '../command-action.js';

/** Registers `artisync undeploy PATH`. */
export function registerUndeployCommand(program: Command): void {
  addAdminOptions(program.command('undeploy').argument('<path>', 'artifact path relative to the server root').description('node-local: remove PATH on this node only, until redeploy'))
    .action(
      commandAction(async (path: string, options: { admin?: string; config?: string }) => {
        await new AdminClient(resolveAdminUrl(options)).undeploy(path);
        process.stdout.write(`undeployed ${path} on this node\n`);
        return EXIT.ok;
      }),
    );
}
