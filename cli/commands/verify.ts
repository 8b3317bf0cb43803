// `artisync verify`: node-local, compares every file on disk with the hub's heads; exit 1 on drift or any override.
import type { Command } from 'commander';
import { AdminClient } from '../../client/admin-client.js';
import type { VerifyReport } from '../../agent/admin/admin-routes.js';
import { addAdminOptions, resolveAdminUrl } from '../admin-target.js';
import { EXIT, commandAction } from '../command-action.js';

/** Registers `artisync verify`. */
export function registerVerifyCommand(program: Command): void {
  addAdminOptions(program.command('verify').description('node-local: list missing, stale, extra and overridden artifacts against the hub; exit 1 on drift or any override'))
    .option('--json', 'machine-readable output (default: a table or text)')
    .option('--allow-overrides', 'exit 0 when overrides are the only difference')
    .action(
      commandAction(async (options: { admin?: string; config?: string; json?: boolean; allowOverrides?: boolean }) => {
        const report = await new AdminClient(resolveAdminUrl(options)).verify();
        if (options.json === true) {
          process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        } else {
          for (const kind of ['missing', 'stale', 'extra', 'overridden'] as const) {
            for (const path of report[kind]) process.stdout.write(`${kind}\t${path}\n`);
          }
          for (const path of report.deployFailed ?? []) process.stdout.write(`deploy-failed\t${path}\n`);
          process.stdout.write(`${verifySummary(report)}\n`);
        }
        // A refused version is not drift artisync can repair, but the node does not run what the hub holds.
        const drift = report.missing.length + report.stale.length + report.extra.length + (report.deployFailed?.length ?? 0);
        return drift === 0 && (report.overridden.length === 0 || options.allowOverrides === true) ? EXIT.ok : EXIT.failed;
      }),
    );
}

/** The last line of `verify`: "in sync" only when nothing differs, overrides included. */
export function verifySummary(report: VerifyReport): string {
  const counts = `${report.missing.length} missing, ${report.stale.length} stale, ${report.extra.length} extra, ${report.overridden.length} overridden`;
  const against = Object.entries(report.revisions).map(([label, revision]) => `${label}@${revision}`).join(', ');
  const hub = against === '' ? '' : ` (hub ${against})`;
  if (report.missing.length + report.stale.length + report.extra.length > 0) return `drift: ${counts}${hub}`;
  const refused = report.deployFailed?.length ?? 0;
  if (refused > 0) return `deploy failed on this node for ${refused} artifact${refused === 1 ? '' : 's'} (the server kept the previous version; see \`artisync status\`): ${counts}${hub}`;
  const overrides = report.overridden.length;
  if (overrides > 0) return `in sync except ${overrides} override${overrides === 1 ? '' : 's'}: ${counts}${hub}`;
  return `in sync: ${counts}${hub}`;
}
