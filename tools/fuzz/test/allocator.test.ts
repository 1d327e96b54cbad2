// fuzzAllocator() on JavaScript allocators, as a user calls it from their own tests: a sound
// allocator passes, each planted bug of the example is found and shrunk, and bad options are
// refused with a typed error.
import { describe, expect, it } from 'vitest';
import { type AllocatorFactory, FuzzAllocatorError, assertAllocator, fuzzAllocator, runAllocatorCase } from '../src/index.js';
// @ts-expect-error: a plain JavaScript example, as users write them
import lifoDefault, { lifo, rejects } from '../examples/lifo.mjs';

const example = lifo as (options?: { plant?: string }) => AllocatorFactory;

describe('fuzzAllocator on the JavaScript example', () => {
  it('passes the sound allocator, every refusal it promises included', () => {
    const report = fuzzAllocator(lifoDefault as AllocatorFactory, { rejects, runs: 150, seed: 1 });
    expect(report.ok, report.failure?.message).toBe(true);
    expect(report.runs).toBe(150);
    expect(report.operations).toBeGreaterThan(1000);
  });

  it.each([
    ['straddle', /straddle: the state at 0x[0-9a-f]+ crosses a page boundary/],
    ['double-push', /duplicate allocation: 0x[0-9a-f]+ handed out while still held/],
    ['stale-count', /stats\(\)\.inUse is \d+; the shadow record holds \d+/],
  ])("finds the planted '%s' and shrinks it to a few operations", (plant, message) => {
    const report = fuzzAllocator(example({ plant }), { rejects, runs: 300, seed: 7 });
    expect(report.ok).toBe(false);
    expect(report.failure!.message).toMatch(message);
    expect(report.failure!.operations.length).toBeLessThanOrEqual(3);
    // The shrunk case is its own replay.
    const again = runAllocatorCase(example({ plant }), report.contract, report.failure!.operations);
    expect(again.ok).toBe(false);
    // And the sound allocator runs it clean.
    expect(runAllocatorCase(example(), report.contract, report.failure!.operations).ok).toBe(true);
  });

  it('names the allocation and free sites of the state a duplicate involves', () => {
    const report = fuzzAllocator(example({ plant: 'double-push' }), { rejects, runs: 300, seed: 7 });
    expect(report.failure!.allocationSite).toMatch(/^operation \d+$/);
    expect(report.failure!.freeSite).toMatch(/^operation \d+$/);
  });

  it('checks refusals only where promised: an allocator that accepts double frees passes without the promise and fails with it', () => {
    const lenient: AllocatorFactory = (context) => {
      const inner = (lifoDefault as AllocatorFactory)(context);
      return { ...inner, free: (address) => { try { inner.free(address); } catch { /* accepts anything */ } } };
    };
    expect(fuzzAllocator(lenient, { runs: 100, seed: 3 }).ok).toBe(true);
    const strict = fuzzAllocator(lenient, { runs: 200, seed: 3, rejects: ['double-free'] });
    expect(strict.failure?.message).toMatch(/a second free of 0x[0-9a-f]+: the contract says it refuses this, but free\(\) accepted it/);
  });

  it('fails an allocator that gives up while its page source works, and one that returns what is not an address', () => {
    const stingy: AllocatorFactory = (context) => {
      const inner = (lifoDefault as AllocatorFactory)(context);
      let count = 0;
      return { ...inner, allocate: () => (++count > 30 ? null : inner.allocate()) };
    };
    expect(fuzzAllocator(stingy, { runs: 200, seed: 5 }).failure?.message).toMatch(/allocate\(\) returned null with 30 states held and the page source working/);
    // The same limit, promised, is a refusal where it must refuse.
    expect(fuzzAllocator(stingy, { runs: 200, seed: 5, maxStates: 30 }).ok).toBe(false);
    const liar: AllocatorFactory = () => ({ allocate: () => 'here' as unknown as number, free: () => undefined });
    expect(fuzzAllocator(liar, { runs: 5, seed: 1 }).failure?.message).toMatch(/allocate\(\) returned here, not an address/);
  });

  it('assertAllocator throws a readable, typed error with the shrunk case', () => {
    expect(() => assertAllocator(example({ plant: 'double-push' }), { rejects, runs: 300, seed: 7 })).toThrow(
      expect.objectContaining({ name: 'FuzzAllocatorError', message: expect.stringMatching(/duplicate allocation[\s\S]*at step \d+ of \[[\s\S]*seed 7/) }),
    );
    expect(assertAllocator(lifoDefault as AllocatorFactory, { rejects, runs: 20, seed: 2 }).ok).toBe(true);
  });

  it.each([
    [{ runs: 0 }, /runs must be a positive integer/],
    [{ stateSize: 5000 }, /cannot fit a 4096 B page/],
    [{ pageSize: 3000 }, /power of two/],
    [{ rejects: ['triple-free'] }, /rejects lists frees from double-free, foreign, misaligned/],
    [{ seeds: 3 }, /unknown option 'seeds'/],
    // The C path's switch is not an option: it would turn the page-source checks off.
    [{ mapsItself: true }, /unknown option 'mapsItself'/],
  ])('refuses the options %j with ERR_FUZZ_OPTIONS', (options, message) => {
    expect(() => fuzzAllocator(lifoDefault as AllocatorFactory, options as never)).toThrow(FuzzAllocatorError);
    expect(() => fuzzAllocator(lifoDefault as AllocatorFactory, options as never)).toThrow(expect.objectContaining({ code: 'ERR_FUZZ_OPTIONS', message: expect.stringMatching(message) }));
  });
});
