import type { Config } from 'jest';

// One jest run over every project; integration tests use the real Redis that
// ./factory test starts (PF_REDIS_URL), each test in its own key prefix.
const config: Config = {
  rootDir: '.',
  testEnvironment: 'node',
  roots: ['<rootDir>/libs', '<rootDir>/services', '<rootDir>/tools'],
  testMatch: ['**/*.spec.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json', diagnostics: false }],
  },
  moduleNameMapper: {
    '^@patch-factory/(?!cli$)([a-z0-9-]+)$': '<rootDir>/libs/$1/src/index.ts',
  },
  testTimeout: 60_000,
  maxWorkers: 2,
  setupFiles: ['reflect-metadata'],
  // Tests start real processes; if one ever survives its test, do not let it hold CI open.
  forceExit: true,
};

export default config;
