// Artifact kinds: folder → kind → root element, and the rename order of one changeset.
import { describe, expect, it } from 'vitest';
import { artifactKindOf, deployRank, expectedRootElement, type ArtifactKind } from '../../core/artifact-kind.js';
import { parseArtifactPath } from '../../core/artifact-path.js';

const at = (raw: string) => parseArtifactPath(raw);

describe('artifactKindOf and expectedRootElement', () => {
  it.each<[string, ArtifactKind, string | undefined]>([
    ['synapse-configs/default/api/admin--kart1_v1.0.0.xml', 'api', 'api'],
    ['synapse-configs/default/sequences/main.xml', 'sequences', 'sequence'],
    ['synapse-configs/default/endpoints/kart--v1.0.0_APIproductionEndpoint.xml', 'endpoints', 'endpoint'],
    ['synapse-configs/default/local-entries/HelloLocalEntry.xml', 'local-entries', 'localEntry'],
    ['synapse-configs/default/proxy-services/WorkflowCallbackService.xml', 'proxy-services', 'proxy'],
    ['synapse-configs/default/inbound-endpoints/WebhookServer.xml', 'inbound-endpoints', 'inboundEndpoint'],
    ['synapse-configs/default/templates/testSequenceTemplate.xml', 'templates', 'template'],
    ['synapse-configs/default/tasks/sampleTask.xml', 'tasks', 'task'],
    ['synapse-configs/default/message-stores/teststore.xml', 'message-stores', 'messageStore'],
    ['synapse-configs/default/message-processors/testMessageProcessor.xml', 'message-processors', 'messageProcessor'],
    ['synapse-configs/default/priority-executors/samplePriority2.xml', 'priority-executors', 'priorityExecutor'],
    ['synapse-configs/default/imports/{org.wso2.carbon.connector}hello.xml', 'imports', 'import'],
    ['synapse-configs/default/synapse.xml', 'synapse-root', 'definitions'],
    ['synapse-configs/default/registry.xml', 'registry-root', 'registry'],
    ['executionplans/carbon.super_sub_Gold.siddhiql', 'execution-plan', undefined],
    ['executionplans/notes.txt', 'other', undefined],
    ['synapse-configs/default/message-store/MStore1.xml', 'other', undefined],
    ['synapse-configs/default/api/nested/deeper.xml', 'other', undefined],
    ['synapse-configs/default/.project', 'other', undefined],
    ['synapse-configs/default/api/synapse.xml', 'api', 'api'],
  ])('%s is %s', (raw, kind, root) => {
    expect(artifactKindOf(at(raw))).toBe(kind);
    expect(expectedRootElement(kind)).toBe(root);
  });
});

describe('deployRank', () => {
  it('renames building blocks before the entry points that name them', () => {
    const order = [
      'synapse-configs/default/registry.xml',
      'synapse-configs/default/synapse.xml',
      'synapse-configs/default/local-entries/l.xml',
      'synapse-configs/default/endpoints/e.xml',
      'synapse-configs/default/sequences/s.xml',
      'synapse-configs/default/templates/t.xml',
      'synapse-configs/default/message-stores/ms.xml',
      'synapse-configs/default/message-processors/mp.xml',
      'synapse-configs/default/tasks/t.xml',
      'synapse-configs/default/priority-executors/p.xml',
      'synapse-configs/default/imports/i.xml',
      'synapse-configs/default/message-store/other.xml',
      'executionplans/plan.siddhiql',
      'synapse-configs/default/api/a.xml',
      'synapse-configs/default/proxy-services/p.xml',
      'synapse-configs/default/inbound-endpoints/i.xml',
    ];
    const ranks = order.map((raw) => deployRank(at(raw)));
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    expect(new Set(ranks).size).toBe(order.length);
    expect(Math.min(...ranks)).toBeGreaterThanOrEqual(0);
  });
});
