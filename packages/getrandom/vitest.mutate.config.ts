// The tests StrykerJS runs against each mutant of the façade's pure code (npm run mutate --
// getrandom): the pure unit tests and short runs of tools/fuzz's backends target
// (mutation/*.smoke.ts), all importing this package's src/ (the mutated copy), never its dist/.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const source = (file: string) => fileURLToPath(new URL(`./src/${file}`, import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      { find: /^@vgetrandom\/getrandom\/testing$/, replacement: source('testing.ts') },
      { find: /^@vgetrandom\/getrandom$/, replacement: source('index.ts') },
    ],
  },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'mutation/**/*.smoke.ts'],
    exclude: ['**/*.native.test.ts', '**/node_modules/**'],
    pool: 'threads',
    testTimeout: 120_000,
  },
});
