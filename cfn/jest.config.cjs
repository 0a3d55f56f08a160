module.exports = {
  ...require('../jest.preset.cjs'),
  displayName: 'cfn',
  rootDir: __dirname,
  testMatch: ['<rootDir>/**/*.spec.ts'],
};
