// `npm start`: the JavaScript of the demo and every package it imports, in one tsup
// process (one startup instead of six), without .d.ts. `npm test` runs the full build.
import { defineConfig, type Options } from 'tsup';

const external = [/^@vgetrandom\//, 'koffi', 'commander'];
const packages: Array<[directory: string, entry: string[]]> = [
  ['packages/sys', ['src/index.ts']],
  ['packages/vdso', ['src/index.ts', 'src/testing.ts']],
  ['packages/params', ['src/index.ts']],
  ['packages/slab', ['src/index.ts']],
  ['packages/getrandom', ['src/index.ts']],
];

const common: Options = { format: ['esm'], target: 'node20', platform: 'node', sourcemap: true, clean: false, dts: false, external, silent: true };

export default defineConfig([
  ...packages.map(([directory, entry]): Options => ({ ...common, entry: entry.map((file) => `${directory}/${file}`), outDir: `${directory}/dist` })),
  { ...common, entry: ['apps/demo/src/cli.ts', 'apps/demo/src/tour-worker.ts'], outDir: 'apps/demo/dist', banner: { js: '#!/usr/bin/env node' } },
]);
