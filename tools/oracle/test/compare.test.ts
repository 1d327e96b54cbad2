// The comparison's own parts, on text a probe could print.
import { computeGeometry, profileSettings } from '@vgetrandom/slab';
import { describe, expect, it } from 'vitest';
import { drawPage, drawStep, parseProbe, render, simulate } from '../src/compare.js';

const geometry = computeGeometry(144, 4096, 64);

describe('reading and drawing probe output', () => {
  it('splits mappings into pages and places each nonzero granule on its page', () => {
    const steps = parseProbe(['step 0 vma 7f0000000000 7f0000002000 dp -', 'step 0 used 7f0000000000 3856 3872 4112'].join('\n'), 4096);
    expect(steps).toHaveLength(1);
    expect([...steps[0]!.entries()]).toEqual([
      [0x7f0000000000n, [3856, 3872]],
      [0x7f0000001000n, [16]],
    ]);
  });

  it('draws a slot as used when a granule lies inside it, and counts granules between slots as stray', () => {
    expect(drawPage([3856], geometry)).toBe(`${'.'.repeat(20)}#`);
    expect(drawPage([150], geometry)).toBe(`${'.'.repeat(21)} +1 stray`);
    expect(drawPage([4040], geometry)).toBe(`${'.'.repeat(21)} +1 stray`);
  });

  it('simulates a profile through the same steps: glibc-2.41 fills a page from the top', () => {
    const settings = profileSettings('glibc-2.41', { reportedCacheLine: 64, onlineCpus: 2, affinityCpus: 2 });
    const steps = simulate(settings, geometry, 21, 'one-at-a-time');
    expect(steps).toHaveLength(22);
    expect(drawStep(steps[1]!, geometry)).toEqual([`${'.'.repeat(19)}##`]);
    expect(drawStep(steps[21]!, geometry)).toEqual(['#'.repeat(21), `${'.'.repeat(20)}#`]);
  });

  it('renders every step, not only the last, and marks the one that differs', () => {
    const same = { real: ['..#'], profile: ['..#'], same: true };
    const lines = render({ profile: 'glibc-2.41', implementation: 'glibc 2.41', threads: 2, mode: 'one-at-a-time', steps: [same, { real: ['.##'], profile: ['#.#'], same: false }, same], differences: 1 });
    expect(lines.filter((line) => /^  step \d/.test(line))).toEqual(['  step 0', '  step 1  <- differs', '  step 2']);
  });
});

