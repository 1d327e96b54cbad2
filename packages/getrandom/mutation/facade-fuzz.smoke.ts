// Short fuzz runs for StrykerJS (npm run mutate -- getrandom), against this package's src/
// (vitest.mutate.config.ts points @vgetrandom/getrandom at it): tools/fuzz's backends target
// (a scripted vDSO, syscall and node:crypto; every output checked byte by byte), its facade
// target's per-call contract (node:crypto's outcome, randomInts and randomUUIDs' own) and its
// hostile-views target (lying buffers). Not part of npm test: tools/fuzz runs them there.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { expect, it } from 'vitest';
import * as mutated from '@vgetrandom/getrandom';

/** The repository root: Stryker runs this file from a copy of the package. */
function repositoryRoot(): string {
  for (let directory = dirname(fileURLToPath(import.meta.url)); directory !== dirname(directory); directory = dirname(directory)) {
    if (existsSync(join(directory, 'tools', 'fuzz', 'src', 'targets', 'backends.ts'))) return directory;
  }
  throw new Error('tools/fuzz not found above this file');
}
const fuzz = (path: string) => import(pathToFileURL(join(repositoryRoot(), 'tools', 'fuzz', path)).href);
const seed = 20261206;

function clean(arbitrary: fc.Arbitrary<unknown>, check: (input: unknown) => { ok: boolean; message?: string }, numRuns: number): string {
  const result = fc.check(
    fc.property(arbitrary, (input) => {
      const outcome = check(input);
      if (!outcome.ok) throw new Error(outcome.message);
    }),
    { seed, numRuns },
  );
  return result.failed ? String(result.errorInstance) : '';
}

it('backends target: 1 000 scripted hosts', async () => {
  const { backendsArbitrary, checkBackends } = await fuzz('src/targets/backends.ts');
  expect(clean(backendsArbitrary, checkBackends(mutated), 1000)).toBe('');
});

it('facade target: 300 call sequences, each call against its contract', async () => {
  const { checkFacade, facadeArbitrary } = await fuzz('src/targets/facade.ts');
  expect(clean(facadeArbitrary, checkFacade(new Set(), undefined, mutated), 300)).toBe('');
});

it('hostile-views target: 500 lying buffers', async () => {
  const { checkHostile, hostileArbitrary } = await fuzz('src/targets/hostile-views.ts');
  expect(clean(hostileArbitrary, checkHostile(mutated), 500)).toBe('');
});
