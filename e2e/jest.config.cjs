module.exports = {
  ...require('../jest.preset.cjs'),
  displayName: 'browser',
  rootDir: __dirname,
  testMatch: ['<rootDir>/**/*.e2e.spec.ts'],
  globalSetup: '<rootDir>/../apps/api/test/global-setup.cjs',
  globalTeardown: '<rootDir>/../apps/api/test/global-teardown.cjs',
};
