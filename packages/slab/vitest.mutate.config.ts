// The unit tests StrykerJS runs against each mutant (npm run mutate): the pure project only.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    exclude: ['**/*.native.test.ts', '**/node_modules/**'],
    pool: 'threads',
    testTimeout: 120_000,
    // The model-based test draws 400 cases in npm test; 40 per mutant keeps a run near an hour.
    env: { VGETRANDOM_MODEL_RUNS: '40' },
  },
});
