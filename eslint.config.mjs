// Type-aware lint for every TypeScript file, plus the import boundaries of STYLE.md.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import boundaries from './apps/api/module-boundaries.cjs';

const frameworks = ['@nestjs/*', '@angular/*', '@mikro-orm/*', '@aws-sdk/*', 'fastify', '@fastify/*'];
const consoleServerOnly = [
  '@nestjs/*',
  '@mikro-orm/*',
  '@aws-sdk/*',
  'fastify',
  '@fastify/*',
  'pg',
  'argon2',
];
const consoleServerOnlyWhy = 'The console is browser code: it imports no server framework, ORM or AWS SDK.';
const restrict = (patterns, why) => ({
  'no-restricted-imports': ['error', { patterns: [{ group: patterns, message: why }] }],
});

/** The import rules of a file of `folder` of apps/api/src (null: shared code and the root files). */
export function apiImports(folder) {
  return {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          { group: ['@angular/*'], message: 'The API never imports Angular.' },
          ...boundaries.importPatterns(folder),
        ],
      },
    ],
  };
}

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '**/.angular/**',
      '**/coverage/**',
      '.data/**',
      'bench/results/**',
      'apps/api/src/database/migrations/**',
    ],
  },
  js.configs.recommended,
  {
    files: ['**/*.ts'],
    extends: [...tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: true },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'off',
      '@typescript-eslint/no-extraneous-class': 'off',
    },
  },
  {
    files: ['**/*.spec.ts', '**/*.test.ts', '**/test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    files: ['**/*.{js,mjs,cjs}'],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        require: 'readonly',
        module: 'writable',
        __dirname: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        URL: 'readonly',
        fetch: 'readonly',
        Buffer: 'readonly',
        AbortController: 'readonly',
      },
    },
  },
  // Import boundaries: a rule, not a hope.
  {
    files: ['libs/shared/**/*.ts', 'libs/anomaly-engine/src/**/*.ts'],
    rules: restrict(frameworks, 'Shared libraries and framework-free cores import no framework.'),
  },
  {
    files: ['apps/console/**/*.ts'],
    rules: restrict(consoleServerOnly, consoleServerOnlyWhy),
  },
  {
    // Only a feature's data service (`*-api.ts`) talks to the API, through ApiClient / apiResource,
    // which parse every answer with the contract's schemas: components never hold HttpClient.
    files: ['apps/console/src/app/**/*.ts'],
    ignores: [
      'apps/console/src/app/**/*-api.ts',
      'apps/console/src/app/core/http/api-client.ts',
      'apps/console/src/app/core/http/api-resource.ts',
      'apps/console/src/app/**/*.spec.ts',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [{ group: consoleServerOnly, message: consoleServerOnlyWhy }],
          paths: [
            {
              name: '@angular/common/http',
              importNames: ['HttpClient', 'httpResource'],
              message:
                "Call the API from the feature's *-api.ts data service (ApiClient / apiResource parse the answers).",
            },
          ],
        },
      ],
    },
  },
  {
    files: ['apps/api/**/*.ts'],
    rules: restrict(['@angular/*'], 'The API never imports Angular.'),
  },
  // API module boundaries (apps/api/module-boundaries.cjs): a folder imports another module only through its public
  // files. Shared code and the root files first, then each module (which may import its own files).
  ...[null, ...Object.keys(boundaries.modules)].map((folder) => ({
    files: [folder ? `apps/api/src/${folder}/**/*.ts` : 'apps/api/src/**/*.ts'],
    rules: apiImports(folder),
  })),
  {
    files: boundaries.importExceptions.map((e) => `apps/api/src/${e.file}`),
    rules: restrict(['@angular/*'], 'The API never imports Angular.'),
  },
);
