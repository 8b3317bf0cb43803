// README's config tables stay true to the schema: every key has a row naming its flag, variable and every bound enforced.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configKeySpecs, type ConfigKind } from '../../core/config-schema.js';

const README = join(import.meta.dirname, '..', '..', 'README.md');

async function tableRows(kind: ConfigKind): Promise<string[]> {
  const text = await readFile(README, 'utf8');
  const start = text.indexOf(`### ${kind}.toml`);
  const end = text.indexOf('\n### ', start + 1);
  return text.slice(start, end).split('\n').filter((line) => line.startsWith('| `'));
}

describe('README config tables', () => {
  it.each<ConfigKind>(['hub', 'agent'])('%s.toml: a row per key with its flag, variable, bounds and allowed values', async (kind) => {
    const rows = await tableRows(kind);
    for (const spec of configKeySpecs(kind)) {
      const name = spec.section === undefined ? spec.key : `[${spec.section}] ${spec.key}`;
      const row = rows.find((line) => line.split('|')[1]?.includes(`\`${name}\``) === true);
      expect(row, `a README row for ${name}`).toBeDefined();
      expect(row).toContain(`--${spec.flag}`);
      expect(row).toContain(spec.env);
      if (spec.minimum !== undefined) expect(row, `${name}'s minimum`).toMatch(new RegExp(`min ${spec.minimum}\\b`));
      if (spec.maximum !== undefined) expect(row, `${name}'s maximum`).toMatch(new RegExp(`max ${spec.maximum}\\b`));
      for (const value of spec.values ?? []) expect(row, `${name} may be ${value}`).toContain(value);
    }
  });
});
