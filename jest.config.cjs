/** Every project with a jest.config.cjs under apps/ or libs/ is a test project of `npm test`. */
module.exports = {
  projects: [
    '<rootDir>/libs/*/jest.config.cjs',
    '<rootDir>/libs/shared/*/jest.config.cjs',
    '<rootDir>/apps/*/jest.config.cjs',
    '<rootDir>/cfn/jest.config.cjs',
  ],
};
