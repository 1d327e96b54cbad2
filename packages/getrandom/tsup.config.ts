import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.shared.js';

// Entries sharing one chunk: the polyfill, register and the package use one engine.
export default defineConfig(packageBuild(['src/index.ts', 'src/polyfill.ts', 'src/testing.ts', 'src/register.ts']));
