// Shared vitest settings. Two projects per package:
//   pure   - no native code; cacheable by turbo.
//   native - anything that loads koffi; runs in forked processes so a native
//            crash fails one file with a report instead of killing the run.
import { defineConfig } from 'vitest/config';

export function packageTests(options: { testTimeout?: number } = {}) {
  const testTimeout = options.testTimeout ?? 30_000;
  return defineConfig({
    test: {
      projects: [
        {
          test: {
            name: 'pure',
            include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
            exclude: ['**/*.native.test.ts', '**/node_modules/**'],
            pool: 'forks',
            testTimeout,
          },
        },
        {
          test: {
            name: 'native',
            include: ['src/**/*.native.test.ts', 'test/**/*.native.test.ts'],
            pool: 'forks',
            testTimeout,
          },
        },
      ],
    },
  });
}
