// Layout tables: for every page size, state size, alignment and policy, the first
// refill holds exactly the states the policy's reference hands out, each aligned,
// none straddling a page, none overlapping.
import { describe, expect, it } from 'vitest';
import { SlabAllocator } from './allocator.js';
import type { GrowthPolicy } from './api.js';
import { SimulatedPageSource } from './simulated-source.js';

const pageSizes = [4096, 16384, 65536];
const stateSizes = [1, 64, 144, 2048, 2049, 4095, 4096];
const alignments = [1, 16, 64, 128];
const policies: GrowthPolicy[] = ['glibc', 'percpu', 'adaptive'];
const CPUS = 64;

/** What each reference implementation hands out on its first refill, written from its rules. */
function expectedFirstRefill(policy: GrowthPolicy, stateSize: number, pageSize: number, alignment: number) {
  const stride = Math.ceil(stateSize / alignment) * alignment;
  switch (policy) {
    case 'glibc':
      return { pages: 1, states: Math.floor(pageSize / stride) };
    case 'percpu': {
      const pages = Math.ceil((CPUS * stride) / pageSize);
      return { pages, states: Math.floor(pageSize / stride) * pages };
    }
    case 'adaptive':
      return { pages: 1, states: Math.floor(pageSize / stride) };
  }
}

const cases = pageSizes.flatMap((pageSize) =>
  stateSizes.filter((size) => size <= pageSize).flatMap((stateSize) =>
    alignments.flatMap((alignment) => policies.map((policy) => [pageSize, stateSize, alignment, policy] as const)),
  ),
);

describe('first refill layout', () => {
  it.each(cases)('page %i, state %i, alignment %i, %s', (pageSize, stateSize, alignment, policy) => {
    const source = new SimulatedPageSource({ pageSize, cpus: CPUS });
    const slab = new SlabAllocator({ stateSize, alignment, policy, source });
    const expected = expectedFirstRefill(policy, stateSize, pageSize, alignment);
    const addresses: bigint[] = [];
    for (let index = 0; index < expected.states; index += 1) addresses.push(slab.allocate()!.address);
    const stats = slab.stats();
    expect(stats.chunks).toBe(1);
    expect(stats.pages).toBe(expected.pages);
    expect(stats.statesTotal).toBe(expected.states);
    expect(stats.statesFree).toBe(0);

    const page = BigInt(pageSize);
    const chunkBase = source.liveMappings()[0]!.address;
    const chunkEnd = chunkBase + BigInt(expected.pages * pageSize);
    const violations = addresses.flatMap((address, index) => {
      const found: string[] = [];
      if (address % BigInt(alignment) !== 0n) found.push('misaligned');
      if ((address % page) + BigInt(stateSize) > page) found.push('straddles a page');
      if (address < chunkBase || address + BigInt(stateSize) > chunkEnd) found.push('outside the chunk');
      if (index > 0 && address - addresses[index - 1]! < BigInt(stateSize)) found.push('overlaps the previous state');
      return found.map((problem) => `state ${index} at 0x${address.toString(16)} ${problem}`);
    });
    expect(violations).toEqual([]);
    // The next allocation needs a second chunk.
    slab.allocate();
    expect(slab.stats().chunks).toBe(2);
    slab.checkInvariants();
  });

  it('rejects a state one byte larger than the page with ERR_SLAB_STATE_TOO_LARGE', () => {
    for (const pageSize of pageSizes) {
      expect(() => new SlabAllocator({ stateSize: pageSize + 1, source: new SimulatedPageSource({ pageSize }) })).toThrow(
        expect.objectContaining({ code: 'ERR_SLAB_STATE_TOO_LARGE' }),
      );
    }
    expect(() => new SlabAllocator({ stateSize: 4097, source: new SimulatedPageSource() })).toThrow(/cannot fit in a 4096-byte page/);
  });
});

describe("this host's numbers: 144-byte states, 64-byte lines, 4 KiB pages", () => {
  it("'glibc' gives 21 states per page, 1008 bytes of stride padding and a 64-byte tail", () => {
    const slab = new SlabAllocator({ stateSize: 144, alignment: 64, policy: 'glibc', source: new SimulatedPageSource() });
    slab.allocate();
    expect(slab.stats()).toMatchObject({ stride: 192, statesPerPage: 21, statesTotal: 21, pages: 1, stridePaddingBytes: 1008, pageTailBytes: 64 });
  });

  it("'percpu' with 64 CPUs maps 3 pages for 63 states", () => {
    const slab = new SlabAllocator({ stateSize: 144, alignment: 64, policy: 'percpu', cpus: 64, source: new SimulatedPageSource() });
    slab.allocate();
    expect(slab.stats()).toMatchObject({ mappedBytes: 3 * 4096, pages: 3, statesTotal: 63 });
  });

  it('never fits an extra state in the page tail, whatever the size (the tail is always too small)', () => {
    for (const alignment of alignments) {
      for (let stateSize = 1; stateSize <= 4096; stateSize += 1) {
        const { stride, statesPerPage } = new SlabAllocator({ stateSize, alignment, source: new SimulatedPageSource() }).geometry;
        expect(4096 - statesPerPage * stride, `size ${stateSize} align ${alignment}`).toBeLessThan(stateSize);
      }
    }
  });

  it("'adaptive' refills grow 1, 2, 4, 8, 16, 16 pages", () => {
    const source = new SimulatedPageSource();
    const slab = new SlabAllocator({ stateSize: 144, alignment: 64, source, reclaim: false });
    const sizes: number[] = [];
    const perPage = slab.geometry.statesPerPage;
    let total = 0;
    for (const pages of [1, 2, 4, 8, 16, 16]) {
      total += pages * perPage;
      while (slab.stats().statesTotal < total) slab.allocate();
      sizes.push(source.liveMappings().at(-1)!.byteLength / 4096);
    }
    expect(sizes).toEqual([1, 2, 4, 8, 16, 16]);
  });
});
