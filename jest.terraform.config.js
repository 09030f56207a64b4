const os = require('node:os');
const { base } = require('./jest.base');

/**
 * The terraform tier (`npm run test:terraform`): test/terraform/**.test.ts, real terraform against the offline
 * provider mirror. Each provider process takes a core for seconds, and test/support/terraform.ts already bounds
 * them by the cores across a file: one worker per core keeps the files from piling more on top.
 */
module.exports = {
  ...base,
  roots: ['<rootDir>/test/terraform'],
  testMatch: ['**/*.test.ts'],
  maxWorkers: os.availableParallelism(),
  testTimeout: 600_000,
};
