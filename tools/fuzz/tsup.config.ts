import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.shared.js';

export default defineConfig({
  ...packageBuild(['src/cli.ts', 'src/index.ts', 'src/targets/facade-worker.ts', 'src/targets/pool-worker.ts', 'src/targets/run-worker.ts']),
  dts: false,
  external: ['esbuild'],
  banner: { js: '#!/usr/bin/env node' },
});
