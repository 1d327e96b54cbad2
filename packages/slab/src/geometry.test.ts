// The geometry's inputs: page sizes and alignments must be powers of two, exactly, at any
// magnitude (a bit trick on 32-bit integers is wrong past 2^31).
import { describe, expect, it } from 'vitest';
import { computeGeometry, isPowerOfTwo } from './geometry.js';

describe('isPowerOfTwo', () => {
  it.each([1, 2, 64, 4096, 2 ** 30, 2 ** 31, 2 ** 32, 2 ** 40, 2 ** 52])('%d is one', (value) => {
    expect(isPowerOfTwo(value)).toBe(true);
  });

  it.each([0, -4, 3, 4096.5, 0.5, 3000, 2 ** 31 + 1, 2 ** 32 + 4096, 2 ** 40 + 2 ** 12, Number.NaN, Number.POSITIVE_INFINITY])('%d is not', (value) => {
    expect(isPowerOfTwo(value)).toBe(false);
  });
});

it('takes only safe integers: 2^53 is refused though it is a power of two', () => {
  expect(isPowerOfTwo(2 ** 53)).toBe(false);
});

describe('computeGeometry', () => {
  it('takes an alignment as large as the page: one state a page', () => {
    expect(computeGeometry(144, 4096, 4096)).toMatchObject({ stride: 4096, statesPerPage: 1 });
  });

  it.each([0, 4096.5, 2 ** 32 + 4096])('refuses pageSize %d', (pageSize) => {
    expect(() => computeGeometry(144, pageSize, 64)).toThrow(expect.objectContaining({ code: 'ERR_SLAB_INVALID_OPTION', message: `pageSize must be a power of 2 (got ${pageSize})` }));
  });

  it.each([0, 48.5, 2 ** 32 + 64])('refuses alignment %d', (alignment) => {
    expect(() => computeGeometry(144, 4096, alignment)).toThrow(expect.objectContaining({ code: 'ERR_SLAB_INVALID_OPTION', message: `alignment must be a power of 2 no larger than the page (got ${alignment})` }));
  });
});
