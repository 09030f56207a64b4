const os = require('node:os');
const { base, SLOW_TIERS } = require('./jest.base');

/** The fast tier (`npm test`): every test/**.test.ts outside the terraform and emulator tiers; no terraform, no cdktf CLI. */
module.exports = {
  ...base,
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', ...SLOW_TIERS],
  // Much of this tier waits on stand-ins, timers and SDK back-off rather than on CPU: more workers than cores
  // shortens its wall time on 2 cores.
  maxWorkers: Math.ceil(os.availableParallelism() * 1.5),
};
