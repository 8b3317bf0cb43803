// Every "guarantee N" a comment or test cites is one of the numbered guarantees in docs/guarantees.md.
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

async function sourceFiles(folder: string): Promise<string[]> {
  const entries = await readdir(join(repoRoot, folder), { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile() && entry.name.endsWith('.ts')).map((entry) => join(entry.parentPath, entry.name));
}

describe('guarantee citations', () => {
  it('cite only guarantees docs/guarantees.md numbers', async () => {
    const doc = await readFile(join(repoRoot, 'docs/guarantees.md'), 'utf8');
    const numbered = new Set([...doc.matchAll(/^(\d+)\. \*\*/gm)].map((match) => Number(match[1])));
    expect([...numbered].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const files = (await Promise.all(['core', 'client', 'hub', 'agent', 'cli', 'test'].map(sourceFiles))).flat();
    const cited: string[] = [];
    for (const file of files) {
      const text = await readFile(file, 'utf8');
      for (const match of text.matchAll(/guarantee (\d+)/g)) cited.push(`${file}: ${match[1]}`);
      expect(text, `${file} cites SPEC.md's guarantees, which are not in this repository`).not.toMatch(/SPEC(\.md)? guarantee/);
    }
    expect(cited.length).toBeGreaterThan(0);
    expect(cited.filter((entry) => !numbered.has(Number(entry.split(': ')[1])))).toEqual([]);
  });
});
