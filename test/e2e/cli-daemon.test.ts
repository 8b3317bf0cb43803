// The CLI process helper: captures output, reports exits, fails waitForLog early when the process dies, leaves nothing running.
import { afterAll, describe, expect, it } from 'vitest';
import { CliDaemon, killAllCliDaemons } from '../support/cli-daemon.js';

afterAll(async () => {
  await killAllCliDaemons();
});

describe('CliDaemon', () => {
  it('runs the built CLI and reports its exit code and stdout lines', async () => {
    const cli = CliDaemon.start(['validate', 'fixtures/synapse-configs/default/sequences/main.xml', '--json'], { cwd: process.cwd() });
    expect(await cli.exited).toEqual({ code: 0, signal: null });
    expect(cli.logs.length).toBeGreaterThan(0);
  });

  it('fails waitForLog at once when the process exits without the line', async () => {
    const cli = CliDaemon.start(['agent', '--no-such-flag'], { name: 'bad agent' });
    await expect(cli.waitForLog((line) => line.msg === 'never printed')).rejects.toThrow(/bad agent exited before the log line/);
    expect((await cli.exited).code).toBe(2);
    expect(cli.stderr).toMatch(/^artisync: /);
  });
});
