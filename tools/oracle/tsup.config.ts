import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.shared.js';

export default defineConfig({ ...packageBuild(['src/cli.ts', 'src/index.ts']), dts: false, banner: { js: '#!/usr/bin/env node' } });
