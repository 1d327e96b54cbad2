// Shared vitest settings. Two projects per package:
//   pure   - no native code; cacheable by turbo.
//   native - anything that loads koffi; runs in forked processes so a native
//            crash fails one file with a report instead of killing the run.
// No test has a time limit of its own by default (testTimeout 0): a limit is what a loaded
// machine hits. The progress watchdog (vitest.watchdog.ts) fails a test that stops making
// progress instead, naming it, whether it awaits forever or loops forever.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const watchdog = fileURLToPath(new URL('./vitest.watchdog.ts', import.meta.url));

export function packageTests(options: { testTimeout?: number } = {}) {
  const testTimeout = options.testTimeout ?? 0;
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
            hookTimeout: testTimeout,
            setupFiles: [watchdog],
          },
        },
        {
          test: {
            name: 'native',
            include: ['src/**/*.native.test.ts', 'test/**/*.native.test.ts'],
            pool: 'forks',
            testTimeout,
            hookTimeout: testTimeout,
            setupFiles: [watchdog],
          },
        },
      ],
    },
  });
}
