// jest: native ESM, TypeScript through SWC (no typecheck here: `tsc --noEmit` runs first in `npm test`).
// globalSetup / globalTeardown: the state dir of the private PostgreSQL cluster the oracle tests
// fall back to, and stopping it (test/helpers/postgres-cluster.ts).
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'es6' } }],
  },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  testTimeout: 600000,
  maxWorkers: 2,
  setupFiles: [],
  globalSetup: '<rootDir>/test/helpers/jest-global-setup.ts',
  globalTeardown: '<rootDir>/test/helpers/jest-global-teardown.ts',
};
