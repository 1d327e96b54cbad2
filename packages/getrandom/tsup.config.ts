import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.shared.js';

// Two entries sharing one chunk: the polyfill and the package use one engine.
export default defineConfig(packageBuild(['src/index.ts', 'src/polyfill.ts', 'src/testing.ts']));
