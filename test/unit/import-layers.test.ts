// The layering lint rules in eslint.config.js: each forbidden import between our modules fails the lint, allowed ones pass.
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
// The real config with type-aware parsing off, so a snippet needs no file on disk or in the TypeScript project.
const eslint = new ESLint({ cwd: repoRoot, overrideConfig: [tseslint.configs.disableTypeChecked] });

/** The messages of the layering rule for `source` linted as if it were the file at `filePath`. */
async function layerMessages(filePath: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === '@typescript-eslint/no-restricted-imports').map((m) => m.message);
}

describe('import layering', () => {
  it.each([
    ['core/probe.ts', "import { x } from '../agent/main.js';"],
    ['core/probe.ts', "import { x } from '../hub/hub-app.js';"],
    ['core/probe.ts', "import { x } from '../client/hub-client.js';"],
    ['core/probe.ts', "import { x } from '../cli/main.js';"],
    ['core/probe.ts', "import { readFile } from 'node:fs/promises';"],
    ['hub/probe.ts', "import { x } from '../agent/main.js';"],
    ['hub/store/probe.ts', "import { x } from '../../agent/gateway/materializer.js';"],
    ['hub/probe.ts', "import { x } from '../client/hub-client.js';"],
    ['agent/probe.ts', "import { x } from '../hub/hub-app.js';"],
    ['agent/gateway/probe.ts', "import type { X } from '../../hub/hub-deps.js';"],
    ['agent/probe.ts', "import { x } from '../cli/main.js';"],
    ['client/probe.ts', "import { x } from '../agent/main.js';"],
    ['client/probe.ts', "import { x } from '../agent/admin/admin-app.js';"],
    ['client/probe.ts', "import { x } from '../hub/hub-app.js';"],
    ['core/probe.ts', "import { x } from '../redis/redis-connection.js';"],
    ['redis/probe.ts', "import { x } from '../hub/store/redis-artifact-store.js';"],
    ['redis/probe.ts', "import { x } from '../agent/gateway/gateway-redis.js';"],
  ])('refuses in %s: %s', async (filePath, source) => {
    expect(await layerMessages(filePath, source)).toHaveLength(1);
  });

  it.each([
    ['core/probe.ts', "import { x } from './hub-api.js';"],
    ['hub/store/probe.ts', "import { x } from '../../core/errors.js';"],
    ['hub/routes/probe.ts', "import { x } from '../hub-deps.js';"],
    ['agent/probe.ts', "import { x } from '../client/hub-client.js';"],
    ['agent/gateway/probe.ts', "import { x } from '../../core/errors.js';"],
    ['client/probe.ts', "import { ADMIN_ROUTES, type VerifyReport } from '../agent/admin/admin-routes.js';"],
    ['hub/store/probe.ts', "import { x } from '../../redis/label-reads.js';"],
    ['agent/gateway/probe.ts', "import { x } from '../../redis/redis-connection.js';"],
    ['redis/probe.ts', "import { x } from '../core/redis-keys.js';"],
    ['cli/commands/probe.ts', "import { x } from '../../agent/main.js';\nimport { y } from '../../hub/main.js';"],
  ])('allows in %s: %s', async (filePath, source) => {
    expect(await layerMessages(filePath, source)).toEqual([]);
  });
});
