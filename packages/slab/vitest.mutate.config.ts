// The tests StrykerJS runs against each mutant (npm run mutate): the pure unit tests and
// short fuzz runs of tools/fuzz's slab and interleave targets (mutation/*.smoke.ts), all
// importing this package's src/ (the mutated copy), never its dist/.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    alias: [{ find: /^@vgetrandom\/slab$/, replacement: fileURLToPath(new URL('./src/index.ts', import.meta.url)) }],
  },
  test: {
    include: ['src/**/*.test.ts', 'mutation/**/*.smoke.ts'],
    exclude: ['**/*.native.test.ts', '**/node_modules/**'],
    pool: 'threads',
    testTimeout: 120_000,
    // The model-based test draws 400 cases in npm test; 40 per mutant keeps a run near an hour.
    env: { VGETRANDOM_MODEL_RUNS: '40' },
  },
});
