// The statistics the distribution tests rely on: known quantiles, and checks that fail on
// generators with the biases a random-number library really ships.
import { randomFillSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ALPHA, bitBalance, chiSquarePValue, normalTwoSidedPValue, uniformIntegers } from './statistics.js';

describe('p-values', () => {
  it.each([
    // [statistic, df, p] from standard chi-square tables
    [3.841459, 1, 0.05],
    [6.634897, 1, 0.01],
    [18.307038, 10, 0.05],
    [124.342113, 100, 0.05],
    [1.145476, 5, 0.95],
    [1074.679, 1000, 0.05],
  ])('chi-square %f with %i df has p = %f', (statistic, df, p) => {
    expect(chiSquarePValue(statistic, df)).toBeCloseTo(p, 5);
  });

  it.each([
    [1.959964, 0.05],
    [3.290527, 0.001],
    [5.730729, 1e-8],
  ])('a normal |z| of %f has two-sided p = %f', (z, p) => {
    expect(normalTwoSidedPValue(z) / p).toBeCloseTo(1, 4);
  });
});

describe('checks on generators of known quality', () => {
  const uniform = (range: number) => {
    const words = new Uint32Array(1);
    return () => {
      randomFillSync(words);
      return Math.floor((words[0]! / 2 ** 32) * range);
    };
  };

  it('a uniform generator passes, and the counts add up', () => {
    const draw = uniform(1000);
    const samples = Array.from({ length: 50_000 }, draw);
    const result = uniformIntegers(samples, 0, 1000, 1000);
    expect(result.passed, result.detail).toBe(true);
    expect(result.counts.reduce((sum, count) => sum + count, 0)).toBe(50_000);
  });

  it('a modulo bias of 1 in 2 on a third of the range fails', () => {
    // x % 3·2^30 over 32-bit x: values below 2^30 are twice as likely.
    const words = new Uint32Array(1);
    const samples = Array.from({ length: 3000 }, () => {
      randomFillSync(words);
      return words[0]! % (3 * 2 ** 30);
    });
    expect(uniformIntegers(samples, 0, 3 * 2 ** 30, 3).passed).toBe(false);
  });

  it('a value outside the range fails at once', () => {
    expect(uniformIntegers([0, 1, 2, 3], 0, 3, 3).passed).toBe(false);
    expect(uniformIntegers([0, 1, 1.5], 0, 3, 3).passed).toBe(false);
  });

  it('one bit with P(1) = 0.53 among 128 fails the bit balance', () => {
    const samples = Array.from({ length: 50_000 }, () => {
      const bytes = randomFillSync(new Uint8Array(16));
      bytes[9] = (bytes[9]! & ~0x10) | (Math.random() < 0.53 ? 0x10 : 0);
      return bytes;
    });
    expect(bitBalance(samples).passed).toBe(false);
  });

  it('a fill that leaves the last byte unwritten fails the bit balance', () => {
    const samples = Array.from({ length: 2000 }, () => {
      const bytes = new Uint8Array(16);
      randomFillSync(bytes, 0, 15);
      return bytes;
    });
    expect(bitBalance(samples).passed).toBe(false);
  });

  it('fixed bits are left out of the balance', () => {
    const samples = Array.from({ length: 2000 }, () => {
      const bytes = randomFillSync(new Uint8Array(4));
      bytes[2] = (bytes[2]! & 0x0f) | 0x40;
      return bytes;
    });
    expect(bitBalance(samples).passed).toBe(false);
    expect(bitBalance(samples, [[2, 0xf0]]).passed).toBe(true);
  });

  it('a correct generator fails at the stated rate, not more (10^3 runs at a looser level)', () => {
    // At ALPHA a failure is too rare to observe, so check the p-values are not skewed
    // small: under a correct generator P(p < 0.01) = 0.01.
    let small = 0;
    for (let run = 0; run < 1000; run += 1) {
      const samples = Array.from({ length: 200 }, uniform(10));
      if (uniformIntegers(samples, 0, 10, 10).p < 0.01) small += 1;
    }
    expect(small).toBeLessThan(35);
    expect(ALPHA).toBeLessThanOrEqual(1e-8);
  });
});
