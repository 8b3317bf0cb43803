// `artisync override list|clear`: the local agent's overrides (files changed by hand on a gateway-only node).
import type { Command } from 'commander';
import { AdminClient } from '../../client/admin-client.js';
import type { Override } from '../../agent/gateway/override-tracker.js';
import { ArtisyncError } from '../../core/errors.js';
import { addAdminOptions, resolveAdminUrl } from '../admin-target.js';
import { EXIT, commandAction } from '../command-action.js';
import { formatTable, formatTime, type TableColumn } from '../format-table.js';

interface OverrideOptions {
  admin?: string;
  config?: string;
  json?: boolean;
  all?: boolean;
}

const OVERRIDE_COLUMNS: TableColumn<Override>[] = [
  { header: 'PATH', cell: (item) => item.path },
  { header: 'KIND', cell: (item) => item.kind },
  { header: 'SINCE', cell: (item) => formatTime(item.since) },
  { header: 'HUB VERSION HELD', cell: (item) => (item.hubVersion === undefined ? '-' : `v${item.hubVersion}`) },
];

/** The `override list` table, or "no overrides" when the node holds none. */
export function formatOverrides(overrides: readonly Override[]): string {
  return overrides.length === 0 ? 'no overrides\n' : formatTable(overrides, OVERRIDE_COLUMNS);
}

/** Registers `artisync override list` and `artisync override clear PATH | --all`. */
export function registerOverrideCommand(program: Command): void {
  const override = program.command('override').description("the local agent's overrides");
  addAdminOptions(override.command('list').description('list paths held as overrides on this node'))
    .option('--json', 'machine-readable output')
    .action(
      commandAction(async (options: OverrideOptions) => {
        const overrides = await new AdminClient(resolveAdminUrl(options)).overrides();
        process.stdout.write(options.json === true ? `${JSON.stringify(overrides, null, 2)}\n` : formatOverrides(overrides));
        return EXIT.ok;
      }),
    );
  addAdminOptions(override.command('clear').argument('[path]', 'artifact path relative to the server root').description("release an override and write the hub's version"))
    .option('--all', 'release every override')
    .option('--json', 'machine-readable output')
    .action(
      commandAction(async (path: string | undefined, options: OverrideOptions) => {
        if ((path === undefined) === (options.all !== true)) throw new ArtisyncError('ARTISYNC_BAD_REQUEST', 'override clear: give one PATH or --all');
        const client = new AdminClient(resolveAdminUrl(options));
        const reply = await client.clearOverrides(path === undefined ? { all: true } : { path });
        if (options.json === true) process.stdout.write(`${JSON.stringify(reply, null, 2)}\n`);
        else for (const cleared of reply.cleared) process.stdout.write(`cleared ${cleared}\n`);
        return EXIT.ok;
      }),
    );
}
