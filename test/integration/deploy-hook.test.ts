// The on_deploy hook as a real process: success, failure and timeout all resolve, so syncing never stops on it.
import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { runDeployHook } from '../../agent/gateway/deploy-hook.js';

const logger = pino({ level: 'silent' });
const batch = { written: 2, removed: 1 };

describe('runDeployHook', () => {
  it('resolves true when the command exits 0, with the batch in its environment', async () => {
    expect(await runDeployHook(['sh', '-c', 'test "$ARTISYNC_WRITTEN/$ARTISYNC_REMOVED" = "2/1"'], 5_000, logger, batch)).toBe(true);
  });

  it('resolves false on a failing or missing command', async () => {
    expect(await runDeployHook(['sh', '-c', 'exit 7'], 5_000, logger, batch)).toBe(false);
    expect(await runDeployHook(['/nonexistent/artisync-hook'], 5_000, logger, batch)).toBe(false);
  });

  it('kills a command that outlives on_deploy_timeout and resolves false', async () => {
    // `sleep 30` would exit 0: false can only come from the timeout killing it.
    expect(await runDeployHook(['sleep', '30'], 200, logger, batch)).toBe(false);
  });

  it('does nothing for an empty command', async () => {
    expect(await runDeployHook([], 200, logger, batch)).toBe(true);
  });
});
