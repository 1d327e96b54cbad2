// The repository's own test settings (vitest.shared.ts: no time limit, the progress watchdog),
// pointed at tests that hang: test/watchdog.test.ts runs this project and expects each hanging
// file to fail, named, instead of hanging.
import { defineConfig } from 'vitest/config';
import { packageTests } from '../../../../vitest.shared.js';

const shared = packageTests();
const pure = (shared.test!.projects as Array<{ test: Record<string, unknown> }>)[0]!.test;

export default defineConfig({ test: { ...pure, name: 'hang-fixture', include: ['*.hang.ts'], root: import.meta.dirname } });
