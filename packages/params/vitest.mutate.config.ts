// The unit tests StrykerJS runs against each mutant (npm run mutate): the pure project only.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    exclude: ['**/*.native.test.ts', '**/node_modules/**'],
    pool: 'threads',
    testTimeout: 30_000,
  },
});
