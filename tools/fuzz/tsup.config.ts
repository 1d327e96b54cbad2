import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.shared.js';

// The bin, the library (with its .d.ts) and the workers the watchdog and the façade target start.
export default defineConfig({
  ...packageBuild(['src/cli.ts', 'src/index.ts', 'src/targets/facade-worker.ts', 'src/targets/pool-worker.ts', 'src/targets/run-worker.ts']),
  dts: { entry: { index: 'src/index.ts' }, compilerOptions: { ignoreDeprecations: '6.0' } },
  external: ['esbuild'],
  banner: { js: '#!/usr/bin/env node' },
});
