import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.shared.js';

export default defineConfig({ ...packageBuild(['src/bench.ts', 'src/readme.ts', 'src/bench-worker.ts', 'src/worker-start.ts']), dts: false, banner: { js: '#!/usr/bin/env node' } });
