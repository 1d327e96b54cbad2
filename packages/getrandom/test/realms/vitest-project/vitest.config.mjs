// A user's project: three test files that import the package, run by vitest in the pool that
// REALM_POOL names ('threads' is vitest's default). Each file writes what its thread used
// to REALM_REPORTS. Run by ../vitest.native.test.ts.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: import.meta.dirname,
    include: ['*.spec.mjs'],
    // 340 000 calls take about 1.3 s on node:crypto here, and several times that on a loaded
    // machine: never vitest's 5 s default (a fresh-clone run hit it).
    testTimeout: 240_000,
    pool: process.env.REALM_POOL ?? 'threads',
    ...(process.env.REALM_GLOBAL_SETUP ? { globalSetup: ['@vgetrandom/getrandom/register'] } : {}),
  },
});
