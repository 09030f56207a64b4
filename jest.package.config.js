const os = require('node:os');
const { base } = require('./jest.base');

/**
 * The package tier (`npm run test:package`): what a team installs and runs the package with. consumer.test.ts packs
 * the package, installs the tarball into a scratch app, type-checks, synthesizes and validates it;
 * cdk-terrain.test.ts synthesizes the app under CDK Terrain and plans both syntheses. Mostly npm, tsc and
 * terraform, each file a process at a time: one worker per core.
 */
module.exports = {
  ...base,
  roots: ['<rootDir>/test/package'],
  testMatch: ['**/*.test.ts'],
  maxWorkers: os.availableParallelism(),
  testTimeout: 600_000,
};
