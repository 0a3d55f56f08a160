/** Shared settings for the Node-side jest projects: TypeScript through SWC, workspace aliases to sources. */
const path = require('node:path');

module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.(t|j)s$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          target: 'es2023',
        },
        module: { type: 'commonjs' },
      },
    ],
  },
  moduleNameMapper: {
    '^@cost-optimizer/dto$': path.join(__dirname, 'libs/shared/dto/src/index.ts'),
    '^@cost-optimizer/anomaly-engine$': path.join(__dirname, 'libs/anomaly-engine/src/index.ts'),
    '^@cost-optimizer/aws-local$': path.join(__dirname, 'libs/aws-local/src/index.ts'),
  },
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
};
