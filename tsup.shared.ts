// Shared tsup settings: ESM, .d.ts and sourcemaps for every package.
import type { Options } from 'tsup';

export function packageBuild(entry: string[] = ['src/index.ts']): Options {
  return {
    entry,
    format: ['esm'],
    target: 'node20',
    platform: 'node',
    sourcemap: true,
    clean: true,
    // TypeScript 6 deprecates baseUrl, which tsup's .d.ts step sets.
    dts: { compilerOptions: { ignoreDeprecations: '6.0' } },
  };
}
