// The tests StrykerJS runs against each mutant (npm run mutate): the pure unit tests and
// short fuzz runs of tools/fuzz's elf target (mutation/*.smoke.ts), all importing this
// package's src/ (the mutated copy), never its dist/.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const source = (file: string) => fileURLToPath(new URL(`./src/${file}`, import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      { find: /^@vgetrandom\/vdso\/testing$/, replacement: source('testing.ts') },
      { find: /^@vgetrandom\/vdso$/, replacement: source('index.ts') },
    ],
  },
  test: {
    include: ['src/**/*.test.ts', 'mutation/**/*.smoke.ts'],
    exclude: ['**/*.native.test.ts', '**/node_modules/**'],
    pool: 'threads',
    testTimeout: 60_000,
  },
});
