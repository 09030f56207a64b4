const os = require('node:os');

/** Transpile-only (swc): type-checking is `npm run typecheck`, a separate step. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } } }] },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 60_000,
  // Most of the suite waits on child processes, terraform and SDK back-off rather than on CPU: more workers than
  // cores nearly halves its wall time on 2 cores (72 s -> 44 s).
  maxWorkers: Math.ceil(os.availableParallelism() * 1.5),
};
