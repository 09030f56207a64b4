/**
 * What every test tier shares: transpile-only TypeScript (swc; type-checking is `npm run typecheck`, a separate
 * step), the ES-module workarounds, and the run's own temp folder (global setup and teardown). Each tier's config
 * (jest.config.js fast, jest.terraform.config.js, jest.deploy.config.js) adds which files it runs and how many at once.
 */

/** GitHub's workflow parser and its expression language ship only as ES modules that import JSON without an attribute. */
const ACTIONS_PACKAGES = '@actions/(workflow-parser|expressions)';

/** Tiers other than the fast one, each in its own folder under test/. */
const SLOW_TIERS = ['/test/terraform/', '/test/deploy/', '/test/package/'];

module.exports = {
  SLOW_TIERS,
  base: {
    rootDir: __dirname,
    testEnvironment: 'node',
    transform: {
      '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } } }],
      // swc turns those ES modules into CommonJS, so jest loads them like the rest, JSON included.
      [`/node_modules/${ACTIONS_PACKAGES}/.+\\.js$`]: ['@swc/jest', { jsc: { target: 'es2022' } }],
    },
    transformIgnorePatterns: [`/node_modules/(?!${ACTIONS_PACKAGES}/)`],
    // Their package.json `exports` offer only an `import` condition, which jest's CommonJS resolver does not take.
    moduleNameMapper: {
      [`^${ACTIONS_PACKAGES}/(.+)$`]: '<rootDir>/node_modules/@actions/$1/dist/$2.js',
      [`^${ACTIONS_PACKAGES}$`]: '<rootDir>/node_modules/@actions/$1/dist/index.js',
    },
    globalSetup: '<rootDir>/test/support/global-setup.ts',
    globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    testTimeout: 60_000,
  },
};
