// Refuses a label the hub has never written, so `ls`/`history`/`export` of a typo is an error and not an empty answer.
import { NotFoundError } from '../core/errors.js';
import type { HubClient } from '../client/hub-client.js';

/** The one-line error for an unknown label, naming it and every label the hub knows. */
export function unknownLabelMessage(label: string, known: readonly string[]): string {
  const list = known.length === 0 ? 'the hub has no labels yet' : `known labels: ${known.map((name) => JSON.stringify(name)).join(', ')}`;
  return `no label ${JSON.stringify(label)} at the hub; ${list} (see artisync labels)`;
}

/** Throws NotFoundError (exit 1) when the hub has never written `label`. */
export async function requireKnownLabel(hub: HubClient, label: string): Promise<void> {
  const known = await hub.labels();
  if (!known.includes(label)) throw new NotFoundError('ARTISYNC_NOT_FOUND', unknownLabelMessage(label, known), { subject: label });
}
