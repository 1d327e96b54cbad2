// Short fuzz runs for StrykerJS (npm run mutate): tools/fuzz's slab target as it runs by
// default (a shadow record and stats() after every operation, checkInvariants() after every
// step that mapped or unmapped and every CHECK_EVERY-th step) and its interleave target (every schedule of
// small shared-pool cases, deaths included, then random ones), against this package's src/
// (vitest.mutate.config.ts points @vgetrandom/slab at it). Not part of npm test: tools/fuzz
// runs the same targets there, against the built package.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { expect, it } from 'vitest';

/** The repository root: Stryker runs this file from a copy of the package. */
function repositoryRoot(): string {
  for (let directory = dirname(fileURLToPath(import.meta.url)); directory !== dirname(directory); directory = dirname(directory)) {
    if (existsSync(join(directory, 'tools', 'fuzz', 'src', 'targets', 'slab.ts'))) return directory;
  }
  throw new Error('tools/fuzz not found above this file');
}
const fuzz = (path: string) => import(pathToFileURL(join(repositoryRoot(), 'tools', 'fuzz', path)).href);
const seed = 20261130;

// VGETRANDOM_SLAB_CHECK_EVERY=1 runs checkInvariants() after every step instead: re-running a
// full run's survivors so gives the mutants the default schedule lost, if any.
const checkEvery = process.env['VGETRANDOM_SLAB_CHECK_EVERY'] === undefined ? undefined : Number(process.env['VGETRANDOM_SLAB_CHECK_EVERY']);

it('slab target: 40 configurations, up to 120 operations each', async () => {
  const { caseArbitrary, runSlabCase } = await fuzz('src/targets/slab.ts');
  const result = fc.check(
    fc.property(caseArbitrary(false, 120), (input: unknown) => {
      const outcome = runSlabCase(input, checkEvery === undefined ? {} : { checkEvery });
      if (!outcome.ok) throw new Error(outcome.message);
    }),
    { seed, numRuns: 40 },
  );
  expect(result.failed ? String(result.errorInstance) : '').toBe('');
});

it('interleave target: every schedule of two small cases, then 40 random ones', async () => {
  const { checkInterleave, exploreAll, interleaveArbitrary } = await fuzz('src/targets/interleave.ts');
  for (const threads of [[['acquire', 'release'], ['sweep']], [['acquire'], ['sweep']]]) {
    const explored = exploreAll({ stateSize: 4096, threads }, { maxDeaths: 1 });
    expect(explored.failure?.message ?? '').toBe('');
    expect(explored.complete).toBe(true);
  }
  const check = checkInterleave();
  const result = fc.check(
    fc.property(interleaveArbitrary, (input: unknown) => {
      const outcome = check(input);
      if (!outcome.ok) throw new Error(outcome.message);
    }),
    { seed, numRuns: 40 },
  );
  expect(result.failed ? String(result.errorInstance) : '').toBe('');
});
