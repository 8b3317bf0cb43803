// `artisync deletes list|confirm LABEL`: the deletes the local publisher's mass-deletion guard holds, and their release.
import type { Command } from 'commander';
import { AdminClient } from '../../client/admin-client.js';
import { addAdminOptions, resolveAdminUrl } from '../admin-target.js';
import { EXIT, commandAction } from '../command-action.js';

interface DeletesOptions {
  admin?: string;
  config?: string;
  json?: boolean;
}

/** Registers `artisync deletes list` and `artisync deletes confirm LABEL`. */
export function registerDeletesCommand(program: Command): void {
  const deletes = program.command('deletes').description("deletes the local publisher's mass-deletion guard holds");
  addAdminOptions(deletes.command('list').description('list held deletes per label, with their paths; exit 1 while any are held'))
    .option('--json', 'machine-readable output')
    .action(
      commandAction(async (options: DeletesOptions) => {
        const held = await new AdminClient(resolveAdminUrl(options)).heldDeletes();
        if (options.json === true) process.stdout.write(`${JSON.stringify(held, null, 2)}\n`);
        else for (const hold of held) {
          process.stdout.write(`${hold.label}\t${hold.count} of ${hold.artifacts} held since ${new Date(hold.since).toISOString()}\n`);
          for (const path of hold.paths ?? []) process.stdout.write(`  ${path}\n`);
        }
        return held.length === 0 ? EXIT.ok : EXIT.failed;
      }),
    );
  addAdminOptions(deletes.command('confirm').argument('<label>', 'the label whose held deletes to send').description('send the held deletes of LABEL (each one whose file is still missing)'))
    .option('--json', 'machine-readable output')
    .action(
      commandAction(async (label: string, options: DeletesOptions) => {
        const reply = await new AdminClient(resolveAdminUrl(options)).confirmDeletes(label);
        if (options.json === true) process.stdout.write(`${JSON.stringify(reply, null, 2)}\n`);
        else process.stdout.write(`released ${reply.released.length} held deletes of ${reply.label}\n`);
        return EXIT.ok;
      }),
    );
}
