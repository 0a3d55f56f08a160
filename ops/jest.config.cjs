// Operations checks: the Dockerfile and compose files, the production image's runtime closure, production-mode
// refusals, graceful shutdown and two API processes on one database. Uses the API tests' template database.
module.exports = {
  ...require('../jest.preset.cjs'),
  displayName: 'ops',
  rootDir: __dirname,
  testMatch: ['<rootDir>/**/*.spec.ts'],
  globalSetup: '<rootDir>/../apps/api/test/global-setup.cjs',
  globalTeardown: '<rootDir>/../apps/api/test/global-teardown.cjs',
  // Also set by the root config; here so `jest -c ops/jest.config.cjs` gets it too.
  testTimeout: 90000,
};
