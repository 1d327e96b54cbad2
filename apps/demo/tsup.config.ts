import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.shared.js';

export default defineConfig({ ...packageBuild(['src/cli.ts', 'src/tour-worker.ts', 'src/bytes-worker.ts']), dts: false, banner: { js: '#!/usr/bin/env node' } });
