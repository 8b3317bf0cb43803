// The `status` problems of a gateway whose server refused versions it wrote (Synapse's `.back` move and restore).
import type { NodeStatus } from '../core/hub-api.js';
import type { NodeProblem } from './node-health.js';

/** One problem per refused version the node reported in its last heartbeat. */
export function deployFailureProblems(node: NodeStatus): NodeProblem[] {
  return (node.deployFailures ?? []).map((failure) => ({
    node: node.node,
    label: failure.label,
    kind: 'deploy-failed',
    reason: 'deploy-failed',
    message: `${node.node} ${failure.label}: deploy failed on this node: ${failure.path} version ${failure.version}; the server kept the previous artifact `
      + `and moved the refused one to ${failure.backFile} (see its log, then publish a fix or run \`artisync redeploy ${failure.path}\` on ${node.node})`,
  }));
}
