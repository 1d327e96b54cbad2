import { readFileSync, writeFileSync } from 'node:fs';
import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.shared.js';

// The command itself is one CommonJS file with our packages and commander inside (koffi stays
// external: it is native). A command then starts without the ESM loader, without an ESM facade
// for each node: builtin it uses, and without resolving seven packages: that was most of what
// `vgetrandom uuid` spent before its first call (issue 26, item 8). The CLI is an application,
// so its copy of the packages is the only one in its threads. dist/cli.js loads it for those
// who run the file by name; the bin requires dist/cli.cjs directly.
const bundled = {
  dts: false,
  noExternal: [/^@vgetrandom\//, 'commander'],
  external: ['koffi'],
  // Less to parse at every start; names are kept, so stack traces still read.
  esbuildOptions(options: { minifyWhitespace?: boolean; minifySyntax?: boolean }) {
    options.minifyWhitespace = true;
    options.minifySyntax = true;
  },
} as const;

// commander requires node:child_process when it loads, for executable subcommands, which we
// do not have; loading it costs 5-10 ms a start. In the bundle it becomes an object that loads
// it on first use. (esbuild's alias and plugins cannot reach it: tsup marks builtins external first.)
async function lazyChildProcess(): Promise<void> {
  const file = 'dist/cli.cjs';
  const eager = 'childProcess=require("child_process")';
  const text = readFileSync(file, 'utf8');
  if (text.split(eager).length !== 2) throw new Error(`${file}: expected commander's ${eager} once; update tsup.config.ts`);
  writeFileSync(file, text.replace(eager, 'childProcess=new Proxy({},{get:(_,key)=>require("child_process")[key]})'));
}

export default defineConfig([
  { ...packageBuild(['src/cli.ts']), ...bundled, clean: false, format: ['cjs'], shims: true, outExtension: () => ({ js: '.cjs' }), banner: { js: '#!/usr/bin/env node' }, onSuccess: lazyChildProcess },
  { ...packageBuild(), entry: { cli: 'src/cli-esm.ts', 'tour-worker': 'src/tour-worker.ts', 'bytes-worker': 'src/bytes-worker.ts' }, ...bundled, clean: false, banner: { js: '#!/usr/bin/env node' } },
]);
