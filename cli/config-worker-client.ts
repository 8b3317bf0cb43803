// Runs config-worker.ts for one answer: zod costs an idle agent ~5 MB of RSS for its whole life when loaded in its own
// heap, and a worker's heap is freed when the worker ends (docs/deployment-memory.md).
import { Worker } from 'node:worker_threads';
import type { AgentConfig, ConfigKeySpec, ConfigKind } from '../core/config-schema.js';
import { errorClassOf, type ErrorCode } from '../core/errors.js';

/** What the worker is asked: the keys' specs, or a config resolved from commander's options and the environment. */
export type ConfigWorkerRequest =
  | { op: 'specs'; kind: ConfigKind }
  | { op: 'resolve'; kind: ConfigKind; options: Record<string, unknown>; env: NodeJS.ProcessEnv };

/** The worker's one message: the value, or the error it threw (an ArtisyncError's code and subject kept). */
export type ConfigWorkerReply = { value: unknown } | { error: { code?: ErrorCode; message: string; subject?: string | undefined } };

/** The specs of every config key of `kind`, computed in a worker. */
export async function configKeySpecsInWorker(kind: ConfigKind): Promise<ConfigKeySpec[]> {
  return (await askConfigWorker({ op: 'specs', kind })) as ConfigKeySpec[];
}

/** loadConfig('agent', …) in a worker; throws the ConfigError it threw there. */
export async function loadAgentConfigInWorker(options: Record<string, unknown>, env: NodeJS.ProcessEnv): Promise<AgentConfig> {
  return (await askConfigWorker({ op: 'resolve', kind: 'agent', options: { ...options }, env: { ...env } })) as AgentConfig;
}

async function askConfigWorker(request: ConfigWorkerRequest): Promise<unknown> {
  const worker = new Worker(new URL('./config-worker.js', import.meta.url), { workerData: request });
  try {
    const reply = await new Promise<ConfigWorkerReply>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`config worker exited (${code}) without an answer`)));
    });
    if ('value' in reply) return reply.value;
    const { code, message, subject } = reply.error;
    if (code === undefined) throw new Error(message);
    throw new (errorClassOf(code))(code, message, subject === undefined ? {} : { subject });
  } finally {
    await worker.terminate();
  }
}
