/** Every project with a jest.config.cjs under apps/ or libs/ is a test project of `npm test`. */
module.exports = {
  // Integration and browser tests start real processes; unit tests finish far sooner.
  testTimeout: 90000,
  projects: [
    '<rootDir>/libs/*/jest.config.cjs',
    '<rootDir>/libs/shared/*/jest.config.cjs',
    '<rootDir>/apps/*/jest.config.cjs',
    '<rootDir>/cfn/jest.config.cjs',
    '<rootDir>/e2e/jest.config.cjs',
    '<rootDir>/ops/jest.config.cjs',
  ],
};
