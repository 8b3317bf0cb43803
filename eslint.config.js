// Lint rules: typescript-eslint's type-aware recommended set over every TypeScript source, plus the layering between
// our modules (see `layerRules`): core is pure and imports nothing of ours, hub and agent never import each other,
// client (the HTTP clients of hub and agent admin API) serves both cli and agent, redis (the Redis layout both read)
// imports core only, cli may import everything.
import tseslint from 'typescript-eslint';

/** An import that leaves the current folder into one of our top-level modules, at any depth. */
const into = (modules) => `^(\\.\\./)+(${modules.join('|')})(/|$)`;

/** Why each layer may not import a module, shown in the lint message. */
const layerRules = [
  {
    files: ['core/**/*.ts'],
    patterns: [{ regex: into(['client', 'redis', 'hub', 'agent', 'cli', 'bench', 'test']), message: 'core is pure logic and imports nothing of ours outside core.' }],
    paths: ['node:fs', 'node:fs/promises', 'node:net', 'node:http', 'node:child_process', 'ioredis', 'fastify'].map((name) => ({
      name,
      message: 'core never touches the filesystem, network or processes; do that in hub/ or agent/.',
    })),
  },
  {
    files: ['hub/**/*.ts'],
    patterns: [{ regex: into(['agent', 'client', 'cli', 'bench', 'test']), message: 'hub imports core and redis only: hub and agent never import each other.' }],
  },
  {
    files: ['agent/**/*.ts'],
    patterns: [{ regex: into(['hub', 'cli', 'bench', 'test']), message: 'agent imports core, redis and client only: hub and agent never import each other.' }],
  },
  {
    files: ['redis/**/*.ts'],
    patterns: [{ regex: into(['client', 'hub', 'agent', 'cli', 'bench', 'test']), message: 'redis (the layout hub and gateway share) imports core only.' }],
  },
  {
    files: ['client/**/*.ts'],
    patterns: [
      { regex: into(['hub', 'cli', 'bench', 'test']), message: 'client imports core only (and the admin API routes).' },
      // The admin API's routes and wire types live beside the agent's admin app, which serves them.
      { regex: '^(\\.\\./)+agent/(?!admin/admin-routes\\.js$)', message: 'client imports core only (and the admin API routes).' },
    ],
  },
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.artisync-demo/**', 'bench/results/**'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['eslint.config.js', 'vitest.config.ts'] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', ignoreRestSiblings: true }],
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      eqeqeq: ['error', 'always'],
    },
  },
  ...layerRules.map(({ files, patterns, paths = [] }) => ({
    files,
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns, paths }] },
  })),
  { files: ['eslint.config.js'], ...tseslint.configs.disableTypeChecked },
);
