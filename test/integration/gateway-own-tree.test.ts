// A node that publishes and is a gateway, after Redis went back to an older state: the drift check leaves the
// publisher's newer files alone and hands them to the publisher; a gateway-only node follows the hub; redeploy still writes.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { GatewayRole } from '../../agent/gateway/gateway-role.js';
import { OwnPublisherLink, type HubHeadSeen, type OwnPublisher } from '../../agent/own-publisher-link.js';
import { sha256Of } from '../../core/blob-codec.js';
import { captureKeys, restoreKeys } from '../support/redis-dump.js';
import { waitFor } from '../support/wait-for.js';
import { useGatewaySuite } from './gateway-harness.js';

const LABEL = 'Production and Sandbox';
const API = 'synapse-configs/default/api/Orders.xml';
const EP = 'synapse-configs/default/endpoints/FreshEP.xml';
const HAND = 'synapse-configs/default/api/Billing.xml';

const suite = useGatewaySuite('artisync-own-tree-', [LABEL]);

/** Records what the gateway hands over; confirms nothing itself, so only the gateway's applied record decides. */
class RecordingPublisher implements OwnPublisher {
  readonly handed: Array<{ path: string; head: HubHeadSeen | undefined }> = [];
  confirmedVersion(): number | undefined {
    return undefined;
  }

  repush(_label: string, path: string, head: HubHeadSeen | undefined): void {
    this.handed.push({ path, head });
  }
}

function file(path: string): string {
  return join(suite.dir, 'server', path);
}

async function content(path: string): Promise<string | null> {
  return readFile(file(path), 'utf8').catch(() => null);
}

/**
 * Commits v1 of API and HAND, copies the store, then v2 of API, a new EP and (on disk, as the node's publisher would
 * push it) a hand edit of HAND; every change is applied before the store is put back to the copy.
 */
async function loseTheLastCommits(gateway: GatewayRole, handEdit: boolean): Promise<void> {
  await suite.seeder.commit(LABEL, [{ path: API, content: '<api v="1"/>' }, { path: HAND, content: '<api billing="1"/>' }]);
  await waitFor(async () => (await content(API)) === '<api v="1"/>' && (await content(HAND)) === '<api billing="1"/>', { message: 'baseline applied' });
  const older = await captureKeys(suite.client);
  if (handEdit) await writeFile(file(HAND), '<api billing="by hand"/>');
  const edits = [{ path: API, content: '<api v="2"/>' }, { path: EP, content: '<endpoint/>' }];
  await suite.seeder.commit(LABEL, handEdit ? [...edits, { path: HAND, content: '<api billing="by hand"/>' }] : edits);
  await waitFor(async () => (await content(API)) === '<api v="2"/>' && (await content(EP)) === '<endpoint/>', { message: 'edits applied' });
  if (handEdit) await waitFor(() => gateway.isOwnWrite(HAND, sha256Of(Buffer.from('<api billing="by hand"/>'))), { message: 'hand edit adopted' });
  await restoreKeys(suite.client, older);
}

describe('publish + gateway node after Redis lost its last commits', () => {
  it('keeps the newer files, hands them to the publisher, and writes only what an operator forces', async () => {
    const link = new OwnPublisherLink();
    const publisher = new RecordingPublisher();
    link.attach(publisher);
    const gateway = await suite.start({ publisher: true, ownPublisher: link });
    await loseTheLastCommits(gateway, true);
    await gateway.verifyNow();
    expect(await content(API)).toBe('<api v="2"/>');
    expect(await content(EP)).toBe('<endpoint/>');
    expect(await content(HAND)).toBe('<api billing="by hand"/>');
    const handed = new Map(publisher.handed.map(({ path, head }) => [path, head]));
    expect(handed.get(API)).toEqual({ version: 1, sha256: sha256Of(Buffer.from('<api v="1"/>')) });
    expect(handed.has(EP) && handed.get(EP) === undefined).toBe(true);
    expect(handed.get(HAND)?.version).toBe(1);
    await gateway.admin.redeploy(API);
    expect(await content(API)).toBe('<api v="1"/>');
  });

  it('on a gateway-only node follows the hub back', async () => {
    const gateway = await suite.start();
    await loseTheLastCommits(gateway, false);
    await gateway.verifyNow();
    expect(await content(API)).toBe('<api v="1"/>');
    expect(await content(EP)).toBeNull();
  });
});
