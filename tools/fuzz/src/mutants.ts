// Deliberately broken allocators, for proving that the slab target finds real bugs.
// Each reproduces a mistake a libc allocator for vgetrandom states could make.
import * as realApi from '@vgetrandom/getrandom';
import { SlabAllocator, type SlabOptions } from '@vgetrandom/slab';
import { propertyReadingApi } from './targets/hostile-views.js';

export const mutants = {
  /** Places states back to back across pages: states straddle page boundaries. */
  'no-straddle-check'(allocator: SlabAllocator) {
    const { stride } = allocator.geometry;
    patch(allocator, 'slotAddress', function (this: SlabAllocator, slot: number) {
      const chunk = this.store.slotChunk[slot]!;
      return this.store.chunkBase[chunk]! + (slot - this.store.chunkFirstSlot[chunk]!) * stride;
    });
  },
  /** Every seventh free pushes the state onto the free list twice. */
  'double-push'(allocator: SlabAllocator) {
    const release = allocator.release.bind(allocator);
    let frees = 0;
    patch(allocator, 'release', (slot: number) => {
      release(slot);
      if (frees++ % 7 === 3) allocator.store.slotNext[slot] = slot;
    });
  },
  /** Unmaps a reclaimed chunk but keeps its states on the free list. */
  'metadata-kept-after-reclaim'(allocator: SlabAllocator) {
    patch(allocator, 'unmapChunk', function (this: SlabAllocator, chunk: number) {
      const pages = this.store.chunkPages[chunk]!;
      this.source.unmap({ address: BigInt(this.store.chunkBase[chunk]!), byteLength: pages * this.geometry.pageSize });
    });
  },
  /** Counts one state too many per page. */
  'per-page-off-by-one'(allocator: SlabAllocator) {
    Object.defineProperty(allocator, 'geometry', { value: { ...allocator.geometry, statesPerPage: allocator.geometry.statesPerPage + 1 } });
  },
} as const;

export type MutantName = keyof typeof mutants;

/** Deliberately broken façades, for proving that the hostile-views and facade targets find real bugs. */
export const facadeMutants = {
  /** The 0.1.0 façade: reads a view's extent from properties user code can redefine. */
  'reads-view-properties': { ...realApi, ...propertyReadingApi },
  /** The 0.1.0 randomInt: 32 random bits modulo the range (biased, and never above 2^32). */
  'modulo-randomInt': {
    ...realApi,
    randomInt(...args: unknown[]): unknown {
      const [min, max] = args as [number, number];
      // Validation (and callbacks) as the real one: only the draw is wrong.
      if (args.length !== 2 || !Number.isSafeInteger(min) || !Number.isSafeInteger(max) || !(min < max) || max - min >= 2 ** 48) return (realApi.randomInt as (...all: unknown[]) => unknown)(...args);
      const word = new Uint32Array(1);
      realApi.getrandom(word);
      return min + (word[0]! % (max - min));
    },
  },
  /** randomInts with an off-by-one in its bound: the last of several values is max itself, outside [min, max). */
  'inclusive-randomInts': {
    ...realApi,
    randomInts(...args: unknown[]): unknown {
      const values = (realApi.randomInts as (...all: unknown[]) => number[])(...args);
      if (values.length > 1) values[values.length - 1] = args[1] as number;
      return values;
    },
  },
  /** randomUUIDs hands back one UUID too few when asked for several. */
  'short-randomUUIDs': {
    ...realApi,
    randomUUIDs(...args: unknown[]): unknown {
      const uuids = (realApi.randomUUIDs as (...all: unknown[]) => string[])(...args);
      return uuids.length > 1 ? uuids.slice(1) : uuids;
    },
  },
  /** getrandom accepts GRND_INSECURE | GRND_RANDOM, which getrandom(2) refuses with EINVAL (the vDSO itself accepts it). */
  'insecure-random-flags': {
    ...realApi,
    getrandom: ((view: Parameters<typeof realApi.getrandom>[0], flags?: number) => realApi.getrandom(view, flags === 6 ? 4 : flags === 7 ? 5 : flags)) as typeof realApi.getrandom,
  },
} as const;

export type FacadeMutantName = keyof typeof facadeMutants;

export function isFacadeMutantName(name: string): name is FacadeMutantName {
  return Object.hasOwn(facadeMutants, name);
}

export function isMutantName(name: string): name is MutantName {
  return Object.hasOwn(mutants, name);
}

/** A real allocator, or one broken as `mutant` says. */
export function createAllocator(options: SlabOptions, mutant?: MutantName, implementation: typeof SlabAllocator = SlabAllocator): SlabAllocator {
  const allocator = new implementation(options);
  if (mutant) mutants[mutant](allocator);
  return allocator;
}

function patch(target: object, method: string, replacement: (...args: never[]) => unknown): void {
  Object.defineProperty(target, method, { value: replacement, configurable: true, writable: true });
}
