const os = require('node:os');
const { base } = require('./jest.base');

/**
 * The terraform tier (`npm run test:terraform`): test/terraform/**.test.ts, real terraform against the offline
 * provider mirror. Each provider process takes a core for seconds: test/support/terraform.ts lets each worker run
 * its share of the cores at once, so the workers together run at most one terraform per core.
 */
const WORKERS = os.availableParallelism();
// Each worker's share of the cores for terraform processes (test/support/terraform.ts): all together, one per core.
process.env.TERRAFORM_SLOTS ??= String(Math.max(1, Math.floor(os.availableParallelism() / WORKERS)));

module.exports = {
  ...base,
  roots: ['<rootDir>/test/terraform'],
  testMatch: ['**/*.test.ts'],
  maxWorkers: WORKERS,
  testTimeout: 600_000,
};
