module.exports = {
  ...require('../../jest.preset.cjs'),
  displayName: 'aws-local',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
};
