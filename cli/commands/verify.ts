// `artisync verify`: node-local, compares every file on disk with the hub; exit 1 on drift.
import type { Command } from 'commander';
import { AdminClient } from '../../agent/admin-client.js';
import { addAdminOptions, resolveAdminUrl } from '../admin-target.js';
import { EXIT, commandAction } from '../command-action.js';

/** Registers `artisync verify`. */
export function registerVerifyCommand(program: Command): void {
  addAdminOptions(program.command('verify').description('node-local: list missing, stale, extra and overridden artifacts; exit 1 on drift'))
    .option('--json', 'machine-readable output')
    .action(
      commandAction(async (options: { admin?: string; config?: string; json?: boolean }) => {
        const report = await new AdminClient(resolveAdminUrl(options)).verify();
        if (options.json === true) {
          process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        } else {
          for (const kind of ['missing', 'stale', 'extra', 'overridden'] as const) {
            for (const path of report[kind]) process.stdout.write(`${kind}\t${path}\n`);
          }
          const counts = `${report.missing.length} missing, ${report.stale.length} stale, ${report.extra.length} extra, ${report.overridden.length} overridden`;
          process.stdout.write(`${report.ok ? 'in sync' : 'drift'}: ${counts}\n`);
        }
        return report.ok ? EXIT.ok : EXIT.failed;
      }),
    );
}
