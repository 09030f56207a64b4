const { base } = require('./jest.base');

/**
 * The package tier (`npm run test:package`): test/package/*.test.ts packs the package, installs the tarball into a
 * scratch app, type-checks, synthesizes and validates it. One file, mostly npm and tsc: one worker.
 */
module.exports = {
  ...base,
  roots: ['<rootDir>/test/package'],
  testMatch: ['**/*.test.ts'],
  maxWorkers: 1,
  testTimeout: 600_000,
};
