/**
 * The emulator tier (`npm run test:deploy`): stacks applied for real, with terraform, into moto_server on
 * loopback. Each file starts its own emulator and applies a handful of times, so files run at most two at once.
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test/deploy'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } } }],
  },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  // An apply of the whole stack takes 60-90 s on 2 loaded cores; a test holds at most one apply and a plan.
  testTimeout: 600_000,
  maxWorkers: 2,
};
