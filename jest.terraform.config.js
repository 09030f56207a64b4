const os = require('node:os');
const { base } = require('./jest.base');

/**
 * The terraform tier (`npm run test:terraform`): test/terraform/**.test.ts, real terraform against the offline
 * provider mirror. Each provider process takes a core for seconds: test/support/terraform.ts lets the workers
 * together run at most one terraform per core, so one worker per core keeps them busy.
 */
module.exports = {
  ...base,
  roots: ['<rootDir>/test/terraform'],
  testMatch: ['**/*.test.ts'],
  maxWorkers: os.availableParallelism(),
  testTimeout: 600_000,
};
