module.exports = {
  ...require('../../jest.preset.cjs'),
  displayName: 'api',
  // also when this project runs on its own (`npx jest -c apps/api/jest.config.cjs`): tests start real processes
  testTimeout: 90000,
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.spec.ts'],
  globalSetup: '<rootDir>/test/global-setup.cjs',
  globalTeardown: '<rootDir>/test/global-teardown.cjs',
};
