// The built CLI's plain answers: --version, unknown labels, `labels`, import of a wrong folder, flag checks.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli-process.js';

describe('--version', () => {
  it.each([['--version'], ['-V']])('%s prints the package version and exits 0', async (flag) => {
    const pkg = JSON.parse(await readFile(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
    const run = await runCli([flag]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.trim()).toBe(pkg.version);
  });
});
