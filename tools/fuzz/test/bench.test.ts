// The slab target's sparse invariant schedule keeps its power: every slab bug the tool knows
// is caught from the same seeded cases as with checkInvariants() after every step, and a
// finding made under the sparse schedule names the step a dense run names.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { benchSlab, formatSlabBench } from '../src/bench.js';
import { type MutantName, mutants } from '../src/mutants.js';
import { CHECK_EVERY, type SlabCase, caseArbitrary, runSlabCase } from '../src/targets/slab.js';

describe('the default invariant schedule', () => {
  it('loses no bug: each is caught under it, from the same 600 seeded cases as under checks after every step', async () => {
    const bench = await benchSlab({ seed: 11, timeMs: 200, budget: 600 });
    const text = formatSlabBench(bench);
    for (const row of bench.power) {
      expect(row.dense, `${row.bug} with checks after every step\n${text}`).toBeDefined();
      expect(row.sparse, `${row.bug} under the default schedule\n${text}`).toBeDefined();
    }
    expect(bench.power.map((row) => row.bug)).toEqual(expect.arrayContaining([...Object.keys(mutants), 'lagging-high-water', 'page-index-fills-up']));
    // Rates are printed by `npm run fuzz -- bench`, not asserted: they depend on the machine's load.
    expect(bench.rates.map((row) => row.checkEvery)).toEqual([1, CHECK_EVERY]);
  }, 0);

  it.each(Object.keys(mutants) as MutantName[])('a finding of %s names the first failing step, as a dense run does', (mutant) => {
    const cases = fc.sample(caseArbitrary(), { seed: 5, numRuns: 400 });
    let compared = 0;
    for (const input of cases as SlabCase[]) {
      const dense = runSlabCase(input, { mutant, checkEvery: 1 });
      const sparse = runSlabCase(input, { mutant });
      expect(sparse.ok).toBe(dense.ok);
      if (!dense.ok && !sparse.ok) {
        expect({ step: sparse.step, message: sparse.message }).toEqual({ step: dense.step, message: dense.message });
        compared += 1;
      }
    }
    expect(compared).toBeGreaterThan(0);
  }, 0);

  it('refuses a schedule that is not a positive whole number of steps', () => {
    const [input] = fc.sample(caseArbitrary(), { seed: 1, numRuns: 1 });
    for (const checkEvery of [0, -1, 1.5, Number.NaN]) expect(() => runSlabCase(input!, { checkEvery })).toThrow(RangeError);
  });
});
