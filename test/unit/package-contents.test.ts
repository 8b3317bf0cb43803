// What `npm pack` ships: the built dist/ (a prepack script builds it) without dist/test or dist/bench.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

describe('npm pack', () => {
  it('builds before packing', async () => {
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.prepack).toBe('npm run build');
  });

  it('ships dist/ with the CLI and Lua scripts, and no dist/test or dist/bench', async () => {
    // --ignore-scripts: the suite already built dist/, and a build here would race the other tests reading it.
    const { stdout } = await promisify(execFile)('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT });
    const files = (JSON.parse(stdout) as Array<{ files: Array<{ path: string }> }>)[0]?.files.map((file) => file.path) ?? [];
    expect(files).toContain('dist/cli/main.js');
    expect(files.some((path) => path.startsWith('dist/hub/store/lua/'))).toBe(true);
    expect(files.filter((path) => path.startsWith('dist/test/') || path.startsWith('dist/bench/'))).toEqual([]);
  }, 60_000);
});
