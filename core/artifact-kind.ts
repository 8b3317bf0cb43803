// Artifact kinds: which Synapse folder a path lies in, the root element that folder expects, and deploy order.
import type { ArtifactPath } from './artifact-path.js';

/** What an artifact is, told from its folder (or its name, for the two root files and execution plans). */
export type ArtifactKind =
  | 'api'
  | 'sequences'
  | 'endpoints'
  | 'local-entries'
  | 'proxy-services'
  | 'inbound-endpoints'
  | 'templates'
  | 'tasks'
  | 'message-stores'
  | 'message-processors'
  | 'priority-executors'
  | 'imports'
  | 'synapse-root'
  | 'registry-root'
  | 'execution-plan'
  | 'userstore'
  | 'carbon-app'
  | 'other';

const SYNAPSE_PREFIX = 'synapse-configs/default/';
const EXECUTION_PLANS_PREFIX = 'executionplans/';
const USERSTORES_PREFIX = 'userstores/';
const CARBON_APPS_PREFIX = 'carbonapps/';

const FOLDER_KINDS: ReadonlyMap<string, ArtifactKind> = new Map<string, ArtifactKind>([
  ['api', 'api'],
  ['sequences', 'sequences'],
  ['endpoints', 'endpoints'],
  ['local-entries', 'local-entries'],
  ['proxy-services', 'proxy-services'],
  ['inbound-endpoints', 'inbound-endpoints'],
  ['templates', 'templates'],
  ['tasks', 'tasks'],
  ['message-stores', 'message-stores'],
  ['message-processors', 'message-processors'],
  ['priority-executors', 'priority-executors'],
  ['imports', 'imports'],
]);

const ROOT_ELEMENTS: Readonly<Partial<Record<ArtifactKind, string>>> = {
  api: 'api',
  sequences: 'sequence',
  endpoints: 'endpoint',
  'local-entries': 'localEntry',
  'proxy-services': 'proxy',
  'inbound-endpoints': 'inboundEndpoint',
  templates: 'template',
  tasks: 'task',
  'message-stores': 'messageStore',
  'message-processors': 'messageProcessor',
  'priority-executors': 'priorityExecutor',
  imports: 'import',
  'synapse-root': 'definitions',
  'registry-root': 'registry',
  userstore: 'UserStoreManager',
};

// Lower deploys first. The root files configure the registry and task manager every other artifact relies on, so
// they go first. Building blocks follow in the order guarantee 8 in docs/guarantees.md names. Execution plans are read by a
// different deployer, but the throttle policies they implement are named by APIs, so they land just before the APIs.
// Entry points (api, proxy-services, inbound-endpoints) come last so that nothing they name is missing.
// Secondary user stores come first (APIs may be secured against them); Carbon apps bundle their own artifacts and
// are deployed by their own deployer, so they go last.
const DEPLOY_ORDER: readonly ArtifactKind[] = [
  'userstore',
  'registry-root',
  'synapse-root',
  'local-entries',
  'endpoints',
  'sequences',
  'templates',
  'message-stores',
  'message-processors',
  'tasks',
  'priority-executors',
  'imports',
  'other',
  'execution-plan',
  'api',
  'proxy-services',
  'inbound-endpoints',
  'carbon-app',
];

/** The kind of an artifact: its folder directly under synapse-configs/default, a root file, or an execution plan. */
export function artifactKindOf(path: ArtifactPath): ArtifactKind {
  if (path.startsWith(EXECUTION_PLANS_PREFIX)) return path.endsWith('.siddhiql') ? 'execution-plan' : 'other';
  // Carbon reads only the files directly in these two folders.
  if (path.startsWith(USERSTORES_PREFIX)) return isDirectChild(path, USERSTORES_PREFIX) && path.endsWith('.xml') ? 'userstore' : 'other';
  if (path.startsWith(CARBON_APPS_PREFIX)) return isDirectChild(path, CARBON_APPS_PREFIX) && path.endsWith('.car') ? 'carbon-app' : 'other';
  if (!path.startsWith(SYNAPSE_PREFIX)) return 'other';
  const segments = path.slice(SYNAPSE_PREFIX.length).split('/');
  if (segments.length === 1) {
    if (segments[0] === 'synapse.xml') return 'synapse-root';
    if (segments[0] === 'registry.xml') return 'registry-root';
    return 'other';
  }
  // Synapse deploys only files directly inside a kind folder; anything nested deeper is just carried along.
  if (segments.length !== 2) return 'other';
  return FOLDER_KINDS.get(segments[0] ?? '') ?? 'other';
}

function isDirectChild(path: string, prefix: string): boolean {
  return !path.slice(prefix.length).includes('/');
}

/** True for kinds whose root element belongs to the Synapse namespace (so a missing namespace is worth a warning). */
export function isSynapseKind(kind: ArtifactKind): boolean {
  return kind !== 'userstore' && kind !== 'carbon-app' && kind !== 'execution-plan' && kind !== 'other';
}

/** The local name of the root element an XML artifact of this kind must have, or undefined when any root fits. */
export function expectedRootElement(kind: ArtifactKind): string | undefined {
  return ROOT_ELEMENTS[kind];
}

/** The position of an artifact when a gateway renames the files of one changeset into place: lower goes first. */
export function deployRank(path: ArtifactPath): number {
  return DEPLOY_ORDER.indexOf(artifactKindOf(path));
}
