// The built `artisync validate` as a process: exit 0 on the real corpus, 1 with PATH:LINE:COL lines, 2 on usage errors.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';

const REPO = join(import.meta.dirname, '..', '..');
const CLI = join(REPO, 'dist', 'cli', 'main.js');
const REAL = join(REPO, 'test', 'fixtures', 'wso2-real');
const BAD = join('test', 'fixtures', 'bad');

const validate = (...args: string[]) => execa('node', [CLI, 'validate', ...args], { cwd: REPO, reject: false });

describe('artisync validate', () => {
  it('is built (run `npm run build` first)', () => {
    expect(existsSync(CLI)).toBe(true);
  });

  it('exits 0 on every real WSO2 file, with warnings only on stderr', async () => {
    const result = await validate(REAL);
    expect(result.stdout).toBe('');
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toMatch(/SecureWebSocketInboundEndpoint\.xml:2:1: warning: .*\(ARTISYNC_NAME_MISMATCH\)/);
  });

  it('exits 0 on the repository fixtures', async () => {
    const result = await validate('fixtures');
    expect(result.stdout).toBe('');
    expect(result.exitCode).toBe(0);
  });

  it('exits 1 with one PATH:LINE:COL: message line per problem on bad input', async () => {
    const result = await validate(BAD);
    expect(result.exitCode).toBe(1);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toHaveLength(26);
    for (const line of lines) expect(line).toMatch(/^test\/fixtures\/bad\/\S+:\d+:\d+: .+ \(ARTISYNC_[A-Z_]+\)$/);
    expect(lines).toContain(
      `${BAD}/synapse-configs/default/api/wrong-root.xml:2:1: root element <sequence> does not fit api: expected <api> (ARTISYNC_XML_WRONG_ROOT)`,
    );
    expect(lines.some((line) => line.startsWith(`${BAD}/synapse-configs/default/api/billion-laughs.xml:3:3:`))).toBe(true);
  });

  it('validates single files and applies --max-artifact-bytes', async () => {
    const file = 'fixtures/synapse-configs/default/api/admin--kart1_v1.0.0.xml';
    expect((await validate(file)).exitCode).toBe(0);
    const result = await validate(file, '--max-artifact-bytes', '1000');
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(/^fixtures\/synapse-configs\/default\/api\/admin--kart1_v1\.0\.0\.xml:1:1: .*\(ARTISYNC_TOO_LARGE\)$/);
  });

  it('prints {path, ok, issues} for every file with --json', async () => {
    const result = await validate(join(BAD, 'synapse-configs', 'default', 'api', 'xxe.xml'), 'fixtures/synapse-configs/default/sequences/main.xml', '--json');
    expect(result.exitCode).toBe(1);
    const parsed = JSON.parse(result.stdout) as { path: string; ok: boolean; issues: { code: string }[] }[];
    expect(parsed.map(({ path, ok }) => ({ path, ok }))).toEqual([
      { path: `${BAD}/synapse-configs/default/api/xxe.xml`, ok: false },
      { path: 'fixtures/synapse-configs/default/sequences/main.xml', ok: true },
    ]);
    expect(parsed[0]?.issues.map((issue) => issue.code)).toEqual(['ARTISYNC_XML_ENTITY']);
  });

  it('exits 2 with one artisync: line on a missing path', async () => {
    const result = await validate('fixtures', 'no/such/path.xml');
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('artisync: cannot validate no/such/path.xml: no such file or folder');
  });

  it('exits 2 on a bad option value', async () => {
    const result = await validate('fixtures', '--max-artifact-bytes', 'lots');
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/^artisync: .*max-artifact-bytes/);
  });
});
