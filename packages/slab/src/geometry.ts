// Where states sit inside a chunk. Every page of a chunk has the same layout, so a
// slot's address is arithmetic and an address's slot is too:
//
//   page (pageSize bytes)
//   +--------+---+--------+---+-- ... --+--------+---+------+
//   | state0 |pad| state1 |pad|         | stateN |pad| tail |
//   +--------+---+--------+---+-- ... --+--------+---+------+
//   0        size stride                 N*stride          pageSize
//
// stride = stateSize rounded up to the alignment (a cache line), so neighbouring states
// never share a line. A state never straddles a page: the vDSO checks
// (address & (page - 1)) + stateSize <= page with the raw size and returns -EFAULT if not.
import type { GrowthPolicy } from './api.js';
import { SlabError } from './errors.js';

/** Where states sit: size, page, alignment, stride and states a page. */
export interface Geometry {
  readonly stateSize: number;
  readonly pageSize: number;
  readonly alignment: number;
  readonly stride: number;
  readonly statesPerPage: number;
}

/** Exact for every safe integer: `value & (value - 1)` works on 32 bits and took 2^32 + 4096 for one. */
export function isPowerOfTwo(value: number): boolean {
  return Number.isSafeInteger(value) && value > 0 && 2 ** Math.round(Math.log2(value)) === value;
}

/**
 * @throws SlabError ERR_SLAB_STATE_TOO_LARGE when a state cannot fit in a page,
 *   ERR_SLAB_INVALID_OPTION for a non-power-of-two page size or alignment.
 */
export function computeGeometry(stateSize: number, pageSize: number, alignment: number): Geometry {
  if (!isPowerOfTwo(pageSize)) {
    throw new SlabError('ERR_SLAB_INVALID_OPTION', `pageSize must be a power of 2 (got ${pageSize})`);
  }
  if (!isPowerOfTwo(alignment) || alignment > pageSize) {
    throw new SlabError('ERR_SLAB_INVALID_OPTION', `alignment must be a power of 2 no larger than the page (got ${alignment})`);
  }
  if (!Number.isSafeInteger(stateSize) || stateSize < 1) {
    throw new SlabError('ERR_SLAB_INVALID_OPTION', `stateSize must be a positive integer (got ${stateSize})`);
  }
  if (stateSize > pageSize) {
    throw new SlabError(
      'ERR_SLAB_STATE_TOO_LARGE',
      `a ${stateSize}-byte state cannot fit in a ${pageSize}-byte page without straddling it; the vDSO would refuse it`,
    );
  }
  const stride = Math.ceil(stateSize / alignment) * alignment;
  // The kernel's test checks the raw size, so one might hope to fit an extra state in
  // the page tail. It never fits: page and stride are multiples of the alignment, so the
  // tail (page mod stride) is at most stride - alignment, which is less than stateSize.
  // floor(page / stride) is therefore exact for every policy.
  const statesPerPage = Math.floor(pageSize / stride);
  return { stateSize, pageSize, alignment, stride, statesPerPage };
}

/** Page-level waste: padding between states and the unused tail, per page. */
export function pageWaste(geometry: Geometry): { padding: number; tail: number } {
  const { stateSize, stride, statesPerPage, pageSize } = geometry;
  // Every state, the last included, is followed by stride - stateSize bytes of padding: the
  // page holds statesPerPage whole strides (pageSize >= statesPerPage * stride).
  return { padding: statesPerPage * (stride - stateSize), tail: pageSize - statesPerPage * stride };
}

/** Pages in the next refill. `mappedChunks` counts chunks mapped right now. */
export function refillPages(
  geometry: Geometry,
  policy: GrowthPolicy,
  settings: { cpus: number; maxChunkPages: number; mappedChunks: number },
): number {
  switch (policy) {
    case 'glibc':
      return 1;
    case 'percpu':
      return Math.max(1, Math.ceil((settings.cpus * geometry.stride) / geometry.pageSize));
    case 'adaptive':
      return Math.min(settings.maxChunkPages, 2 ** Math.min(settings.mappedChunks, 30));
  }
}
