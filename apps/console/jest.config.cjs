/** Component tests for the console: jest-preset-angular in jsdom, zoneless, Material harnesses. */
const path = require('node:path');
const { createCjsPreset } = require('jest-preset-angular/presets');

module.exports = {
  ...createCjsPreset({ tsconfig: path.join(__dirname, 'tsconfig.spec.json') }),
  displayName: 'console',
  rootDir: __dirname,
  testEnvironment: 'jsdom',
  setupFilesAfterEnv: ['<rootDir>/src/test-setup.ts'],
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  moduleNameMapper: {
    '^@cost-optimizer/dto$': path.join(__dirname, '../../libs/shared/dto/src/index.ts'),
  },
};
