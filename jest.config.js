const os = require('node:os');

/** GitHub's workflow parser and its expression language ship only as ES modules that import JSON without an attribute. */
const ACTIONS_PACKAGES = '@actions/(workflow-parser|expressions)';

/** Transpile-only (swc): type-checking is `npm run typecheck`, a separate step. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
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
  // Most of the suite waits on child processes, terraform and SDK back-off rather than on CPU: more workers than
  // cores nearly halves its wall time on 2 cores (72 s -> 44 s).
  maxWorkers: Math.ceil(os.availableParallelism() * 1.5),
};
