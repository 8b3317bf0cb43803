// `artisync rollback LABEL PATH --to V`: publishes version V's content as a new version.
import { hostname, userInfo } from 'node:os';
import type { Command } from 'commander';
import type { HubClient } from '../../client/hub-client.js';
import { commandAction } from '../command-action.js';
import { addHubOptions, withHub, type HubCommandOptions } from '../hub-options.js';
import { usageError } from '../usage-error.js';
import { parseVersionOption } from '../version-option.js';

/** Who a rollback is recorded as when neither --node nor --config names a node: the operator, user@host. */
export function operatorName(): string {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry (a container's uid): the host still tells where it came from.
  }
  return `${user}@${hostname()}`;
}

/** The note after a rollback: the publishers of the label still hold the newer content in their file. */
export function formatPublisherNote(path: string, publishers: readonly string[]): string {
  const who = publishers.length === 0 ? 'the publisher' : `publisher ${publishers.join(', ')}`;
  return `note: ${who} still holds the newer content in its file ${path}; the rollback stays on the hub (a publisher restart does not undo it) `
    + 'until that file is edited there, which publishes it again; put the old content there too to make the rollback last\n';
}

async function publishersOf(hub: HubClient, label: string): Promise<string[]> {
  // Only for the note: a hub that cannot list nodes does not fail a rollback that succeeded.
  const nodes = await hub.nodes().catch(() => []);
  return nodes.filter((node) => node.roles.includes('publisher') && node.publisherLabels.includes(label)).map((node) => node.node).sort();
}

/** Registers `artisync rollback LABEL PATH --to V`. */
export function registerRollbackCommand(program: Command): void {
  const command = program
    .command('rollback')
    .description("publish an old version's content as a new version (history shows who rolled back)")
    .argument('<label>', 'label the artifact is in')
    .argument('<path>', 'artifact path relative to the server root')
    .option('--to <version>', 'version whose content becomes the new head (required)')
    .option('--json', 'print the hub reply as JSON (default: one line)');
  addHubOptions(command).action(
    commandAction(async (label: string, path: string, options: HubCommandOptions & { to?: string; json?: boolean }) => {
      const to = parseVersionOption('--to', options.to);
      if (to === undefined) throw usageError('rollback needs --to V: the version whose content to publish again');
      return withHub(options, async (hub) => {
        const result = await hub.rollback(label, { path, to, node: options.node ?? operatorName() });
        if (options.json === true) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        else if (result.unchanged) process.stdout.write(`${path}: version ${to} is already the current content (version ${result.version})\n`);
        else {
          process.stdout.write(`${path}: version ${result.version} published with the content of version ${to} (revision ${result.revision ?? '-'})\n`);
          process.stderr.write(formatPublisherNote(path, await publishersOf(hub, label)));
        }
        return 0;
      });
    }),
  );
}
