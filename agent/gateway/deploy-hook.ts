// Runs the operator's on_deploy command after a batch lands; a failing or slow hook is logged and never stops syncing.
import type { Logger } from 'pino';

/** What the hook is told about the batch, through its environment. */
export interface DeployHookContext {
  written: number;
  removed: number;
}

/** Runs `command` (argv form) with a timeout; resolves true when it exited 0. Never rejects. */
export async function runDeployHook(command: readonly string[], timeoutMs: number, logger: Logger, batch: DeployHookContext): Promise<boolean> {
  const [file, ...args] = command;
  if (file === undefined) return true;
  // Loaded on the first hook run: a gateway without on_deploy never pays for execa's ~260 modules.
  const { execa } = await import('execa');
  const started = Date.now();
  const result = await execa(file, args, {
    timeout: timeoutMs,
    reject: false,
    stdin: 'ignore',
    env: { ARTISYNC_WRITTEN: String(batch.written), ARTISYNC_REMOVED: String(batch.removed) },
  });
  const durationMs = Date.now() - started;
  if (result.failed) {
    logger.error({ command, exitCode: result.exitCode, timedOut: result.timedOut, stderr: result.stderr.slice(0, 500), durationMs }, 'on_deploy hook failed');
    return false;
  }
  logger.debug({ command, durationMs }, 'on_deploy hook ran');
  return true;
}
