// An example allocator for `npm run fuzz -- slab --allocator examples/lifo.mjs` and for
// fuzzAllocator(): glibc's shape in a few lines. One page a refill from the page source the
// fuzzer hands in, states a stride apart, a LIFO list of free states, and a set of held ones so
// that it refuses double, foreign and misaligned frees.
//
// `lifo({ plant })` builds it with a planted bug, for the tool to find:
//   'straddle'     counts ceil(page / stride) states a page (the last one crosses the page end)
//   'double-push'  free() pushes the state twice (it is then handed out twice)
//   'stale-count'  stats().inUse forgets the frees

/** The frees this allocator refuses by throwing. */
export const rejects = ['double-free', 'foreign', 'misaligned'];

export function lifo({ plant } = {}) {
  return ({ stateSize, pageSize, source }) => {
    const stride = Math.ceil(stateSize / 64) * 64;
    const perPage = plant === 'straddle' ? Math.ceil(pageSize / stride) : Math.floor(pageSize / stride);
    const free = [];
    const held = new Set();
    const regions = [];
    let frees = 0;
    return {
      allocate() {
        if (free.length === 0) {
          const result = source.map(pageSize);
          if (!result.ok) return null;
          regions.push(result.region);
          for (let slot = 0; slot < perPage; slot += 1) free.push(Number(result.region.address) + slot * stride);
        }
        const address = free.pop();
        held.add(address);
        return address;
      },
      free(address) {
        const number = Number(address);
        if (!held.has(number)) throw new Error(`0x${number.toString(16)} is not a held state`);
        held.delete(number);
        frees += 1;
        free.push(number);
        if (plant === 'double-push') free.push(number);
      },
      stats() {
        return { inUse: plant === 'stale-count' ? held.size + frees : held.size, mappedBytes: regions.length * pageSize };
      },
      dispose() {
        for (const region of regions.splice(0)) source.unmap(region);
      },
    };
  };
}

/** The allocator as `--allocator` loads it: the default export. */
export default lifo();
