// Worker thread entry: computes the config keys' specs or resolves a config with zod's schema, posts the result and
// ends, so that zod's modules live in the worker's heap and not in the agent's for the rest of its life.
import { parentPort, workerData } from 'node:worker_threads';
import { configKeySpecs } from '../core/config-schema.js';
import { ArtisyncError } from '../core/errors.js';
import { loadConfig } from './config-loader.js';
import type { ConfigWorkerReply, ConfigWorkerRequest } from './config-worker-client.js';

function answer(request: ConfigWorkerRequest): ConfigWorkerReply {
  try {
    if (request.op === 'specs') return { value: configKeySpecs(request.kind) };
    return { value: request.kind === 'hub' ? loadConfig('hub', request.options, request.env) : loadConfig('agent', request.options, request.env) };
  } catch (err) {
    if (err instanceof ArtisyncError) return { error: { code: err.code, message: err.message, subject: err.subject } };
    return { error: { message: (err as Error).message } };
  }
}

parentPort?.postMessage(answer(workerData as ConfigWorkerRequest));
