module.exports = {
  ...require('../../jest.preset.cjs'),
  displayName: 'anomaly-engine',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
};
