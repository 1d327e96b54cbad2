// The deterministic scheduler for the shared pool: every schedule of small cases
// (exhaustive, with a death at any step), random schedules of larger ones, and the planted
// race it exists to catch.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runTarget } from '../src/runner.js';
import { loadSourceMutant } from '../src/source-mutants.js';
import { type InterleaveCase, type PoolImplementation, checkInterleave, exploreAll, interleaveArbitrary } from '../src/targets/interleave.js';

describe('every interleaving of small cases', () => {
  it.each([
    [[['acquire', 'release'], ['sweep']], 1],
    [[['acquire'], ['acquire']], 1],
    [[['acquire', 'release'], ['acquire']], 1],
    [[['acquire'], ['sweep']], 2],
  ] as const)('%j with up to %i death(s): no live thread loses its state', (threads, maxDeaths) => {
    const result = exploreAll({ stateSize: 4096, threads: threads as never }, { maxDeaths });
    expect(result.failure).toBeUndefined();
    expect(result.complete).toBe(true);
    // Deaths at every step multiply the schedules: far more than the orders of the steps alone,
    // and some of them land inside the lock (the next locker then repairs the metadata).
    expect(result.schedules).toBeGreaterThan(20);
    expect(result.repaired).toBeGreaterThan(0);
  }, 60_000);

});

describe('random schedules', () => {
  it('500 cases of up to 5 threads and 2 deaths run clean', () => {
    const summary = runTarget<InterleaveCase>('interleave', interleaveArbitrary, checkInterleave(), { seed: 20261130, runs: 500, dryRun: true });
    expect(summary.finding).toBeUndefined();
  }, 60_000);

  it('catch a sweep that frees what it found dead without re-checking the owner under the lock', async () => {
    const mutant = await loadSourceMutant<PoolImplementation>('sweep-without-recheck');
    const result = fc.check(fc.property(interleaveArbitrary, (input) => checkInterleave(mutant)(input).ok), { seed: 20261130, numRuns: 5000 });
    expect(result.failed).toBe(true);
    const [shrunk] = result.counterexample!;
    expect(checkInterleave(mutant)(shrunk)).toMatchObject({ ok: false, message: expect.stringMatching(/live thread \d+'s state/) });
    expect(checkInterleave()(shrunk)).toMatchObject({ ok: true });
  }, 60_000);
});
