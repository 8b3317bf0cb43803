// `artisync redeploy PATH`: node-local, rewrites the hub's version of a path (releasing an override or undeploy).
import type { Command } from 'commander';
import { AdminClient } from '../../client/admin-client.js';
import { addAdminOptions, resolveAdminUrl } from '../admin-target.js';
import { EXIT, commandAction } from '../command-action.js';

/** Registers `artisync redeploy PATH`. */
export function registerRedeployCommand(program: Command): void {
  addAdminOptions(program.command('redeploy').argument('<path>', 'artifact path relative to the server root').description("node-local: rewrite the hub's version of PATH"))
    .option('--json', 'machine-readable output')
    .action(
      commandAction(async (path: string, options: { admin?: string; config?: string; json?: boolean }) => {
        const reply = await new AdminClient(resolveAdminUrl(options)).redeploy(path);
        if (options.json === true) process.stdout.write(`${JSON.stringify(reply, null, 2)}\n`);
        else if (reply.removed.includes(path)) process.stdout.write(`removed ${path} (the hub has no version of it)\n`);
        else process.stdout.write(`redeployed ${path}\n`);
        return EXIT.ok;
      }),
    );
}
