// The benchmark's artifact generator: deterministic, sized like real artifacts, well-formed with the right roots.
import { describe, expect, it } from 'vitest';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import {
  editArtifact, generateTree, GENERATED_KINDS, MAX_ARTIFACT_BYTES, MIN_ARTIFACT_BYTES, type GeneratedArtifact,
} from '../../bench/artifact-generator.js';

const parser = new XMLParser({ ignoreAttributes: true, ignoreDeclaration: true });

function rootOf(artifact: GeneratedArtifact): string | undefined {
  const text = artifact.content.toString('utf8');
  expect(XMLValidator.validate(text), artifact.path).toBe(true);
  const roots = Object.keys(parser.parse(text) as Record<string, unknown>);
  expect(roots, artifact.path).toHaveLength(1);
  return roots[0];
}

describe('generateTree', () => {
  const tree = generateTree(42, 1000);

  it('gives the same bytes for the same seed and different bytes for another seed', () => {
    const again = generateTree(42, 1000);
    expect(again.map((a) => a.path)).toEqual(tree.map((a) => a.path));
    expect(again.every((a, i) => a.content.equals(tree[i]?.content ?? Buffer.alloc(0)))).toBe(true);
    expect(generateTree(43, 10)[0]?.content.equals(tree[0]?.content ?? Buffer.alloc(0))).toBe(false);
  });

  it('keeps every artifact between 2 and 30 KB', () => {
    for (const artifact of tree) {
      expect(artifact.content.length, artifact.path).toBeGreaterThanOrEqual(MIN_ARTIFACT_BYTES);
      expect(artifact.content.length, artifact.path).toBeLessThanOrEqual(MAX_ARTIFACT_BYTES);
    }
  });

  it('puts 80% of the artifacts in api/ and the rest in sequences, endpoints and local-entries', () => {
    const count = (kind: string) => tree.filter((a) => a.path.startsWith(`synapse-configs/default/${kind}/`)).length;
    expect(count('api')).toBe(800);
    expect(count('sequences') + count('endpoints') + count('local-entries')).toBe(200);
    expect(count('local-entries')).toBeGreaterThan(0);
  });

  it('gives unique paths', () => {
    expect(new Set(tree.map((a) => a.path)).size).toBe(tree.length);
  });

  it('writes well-formed XML whose root fits its folder', () => {
    for (const artifact of tree) expect(rootOf(artifact), artifact.path).toBe(GENERATED_KINDS[artifact.kind]);
  });

  it('names API files and roots the way API Manager does', () => {
    const api = tree.find((a) => a.kind === 'api');
    expect(api?.path).toMatch(/^synapse-configs\/default\/api\/[\w.-]+--\w+_v\d+\.\d+\.0\.xml$/);
    expect(api?.content.toString('utf8')).toMatch(/<api xmlns="http:\/\/ws.apache.org\/ns\/synapse"\s+name="[^"]+"\s+context="[^"]+"\s+version="[^"]+"\s+version-type="context">/);
  });
});

describe('editArtifact', () => {
  const [original] = generateTree(7, 1);

  it('produces a different, still valid artifact for each revision', () => {
    if (original === undefined) throw new Error('no artifact generated');
    const first = editArtifact(original, 1);
    const second = editArtifact(first, 2);
    expect(first.content.equals(original.content)).toBe(false);
    expect(second.content.equals(first.content)).toBe(false);
    expect(second.path).toBe(original.path);
    expect(rootOf(second)).toBe(GENERATED_KINDS[original.kind]);
    expect(second.content.toString('utf8').match(/artisync-bench edit/g)).toHaveLength(1);
    expect(editArtifact(original, 2).content.equals(second.content)).toBe(true);
  });
});
