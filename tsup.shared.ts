// Shared tsup settings: ESM, .d.ts and sourcemaps for every package.
// VGETRANDOM_JS_ONLY=1 (the build:js task behind `npm start`) skips the .d.ts step, which
// takes most of a build, and leaves existing declarations in place.
import type { Options } from 'tsup';

export function packageBuild(entry: string[] = ['src/index.ts']): Options {
  const jsOnly = Boolean(process.env['VGETRANDOM_JS_ONLY']);
  return {
    entry,
    format: ['esm'],
    target: 'node20',
    platform: 'node',
    sourcemap: true,
    clean: !jsOnly,
    // TypeScript 6 deprecates baseUrl, which tsup's .d.ts step sets.
    dts: jsOnly ? false : { compilerOptions: { ignoreDeprecations: '6.0' } },
  };
}
