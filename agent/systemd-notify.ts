// Tells systemd (Type=notify) the agent is ready: at once in async mode, after the first full sync in sync mode.
import type { Logger } from 'pino';

/** Runs a program; execa in production, a recorder in tests. */
export type RunCommand = (file: string, args: readonly string[]) => Promise<unknown>;

/** What readiness notification needs. */
export interface SystemdNotifyDeps {
  env: NodeJS.ProcessEnv;
  /** True once every role is ready; the gateway's honours data_retrieval_mode. */
  isReady: () => boolean;
  logger: Logger;
  run?: RunCommand;
  pollMs?: number;
}

/** A pending notification that can be cancelled at shutdown. */
export interface ReadinessNotifier {
  /** Resolves once READY=1 was sent (or right away when not under systemd). */
  readonly done: Promise<void>;
  cancel(): void;
}

/** Sends `systemd-notify --ready` once `isReady()` holds, when NOTIFY_SOCKET says systemd is listening. */
export function notifySystemdWhenReady(deps: SystemdNotifyDeps): ReadinessNotifier {
  if (deps.env.NOTIFY_SOCKET === undefined || deps.env.NOTIFY_SOCKET === '') return { done: Promise.resolve(), cancel: () => undefined };
  // execa is loaded only under systemd, and only once ready: other agents never load it.
  const run: RunCommand = deps.run ?? (async (file, args) => (await import('execa')).execa(file, args, { env: deps.env, reject: true }));
  let timer: NodeJS.Timeout | undefined;
  let cancelled = false;
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    finish = resolve;
    const attempt = (): void => {
      if (cancelled) return;
      if (!deps.isReady()) {
        timer = setTimeout(attempt, deps.pollMs ?? 100);
        return;
      }
      // --pid names the agent itself, so systemd credits READY=1 to the main process even after this child exits.
      run('systemd-notify', ['--ready', `--pid=${process.pid}`])
        .then(() => deps.logger.info('told systemd the agent is ready'))
        .catch((err: unknown) => deps.logger.error({ err }, 'systemd-notify --ready failed'))
        .finally(resolve);
    };
    attempt();
  });
  return {
    done,
    cancel: () => {
      cancelled = true;
      if (timer !== undefined) clearTimeout(timer);
      finish();
    },
  };
}
