// Options, interfaces and result types of the slab allocator.

/** A mapped region of pages. `address` is page-aligned. */
export interface Region {
  readonly address: bigint;
  readonly byteLength: number;
}

/** What PageSource.map() returns: a region, or why there is none. */
export type MapResult = { readonly ok: true; readonly region: Region } | { readonly ok: false; readonly reason: string };

/**
 * Where pages come from. `map` MUST return page-aligned regions of exactly the bytes
 * asked for, and reports failure as a result, never by throwing.
 */
export interface PageSource {
  readonly pageSize: number;
  /** The L1 data cache line: the default state alignment. */
  readonly cacheLineSize: number;
  /** Online CPUs: sizes the 'percpu' policy's refills. */
  readonly cpus: number;
  map(byteLength: number): MapResult;
  unmap(region: Region): void;
}

/** A state handed out by the allocator. */
export interface StateHandle {
  /** Address of the state: pass it to vgetrandom as opaque_state. */
  readonly address: bigint;
  /** Slot index inside the allocator; makes free() a direct lookup. */
  readonly index: number;
}

/**
 * How many pages a refill maps when the free list is empty. Every page holds
 * `floor(page / stride)` states.
 * - `'glibc'`: one page per refill (glibc 2.41, vgetrandom_get_state_alloc() in
 *   sysdeps/unix/sysv/linux/getrandom.c).
 * - `'percpu'`: `ceil(cpus * stride / page)` pages (Go 1.24's vgetrandomGetState() in
 *   src/runtime/vgetrandom_linux.go; the kernel selftest's vgetrandom_get_state(), whose 6.11
 *   version uses the raw size as stride: alignment 1). The profiles in profiles.ts set the rest.
 * - `'adaptive'` (default): 1, 2, 4, ... pages per refill, doubling with the chunks
 *   mapped, up to `maxChunkPages`.
 */
export type GrowthPolicy = 'glibc' | 'percpu' | 'adaptive';

/** Which state of a fresh chunk is handed out first. */
export type HandOutOrder = 'lowest-first' | 'highest-first';

/** How many fully free chunks stay mapped before more are unmapped. */
export interface ReclaimOptions {
  /** Fully free chunks kept mapped before more are unmapped (hysteresis). Default 1. */
  readonly keepEmpty?: number;
}

/** Observers of every map, unmap, allocate and free (the fuzzer and the demo use them). */
export interface SlabHooks {
  onMap?(region: Region): void;
  onUnmap?(region: Region): void;
  onAllocate?(handle: StateHandle): void;
  onFree?(handle: StateHandle): void;
}

/** Options of SlabAllocator; defaults for page size, alignment and CPUs come from the source. */
export interface SlabOptions {
  /** Bytes in one state (`sizeOfOpaqueState`). MUST be 1..pageSize. */
  readonly stateSize: number;
  readonly source: PageSource;
  /** Defaults to `source.pageSize`. MUST be a power of 2. */
  readonly pageSize?: number;
  /** States start at multiples of this; defaults to `source.cacheLineSize`. MUST be a power of 2, at most pageSize. */
  readonly alignment?: number;
  readonly policy?: GrowthPolicy;
  /** For 'percpu'; defaults to `source.cpus`. */
  readonly cpus?: number;
  /** Largest 'adaptive' refill, in pages. Default 16. */
  readonly maxChunkPages?: number;
  /**
   * `false` never unmaps: glibc 2.41, Go 1.24 and the 6.11 selftest never unmap a state block
   * (see profiles.ts for the functions). Default `{ keepEmpty: 1 }`.
   */
  readonly reclaim?: false | ReclaimOptions;
  /** Upper bound on states ever held at once; allocate() returns null beyond it. */
  readonly maxStates?: number;
  /**
   * Which state of a fresh chunk is handed out first. `'lowest-first'` (default, ours) or
   * `'highest-first'`: glibc 2.41, Go 1.24 and the kernel selftest pop the end of an array
   * filled in address order. Freed states are reused last-freed first either way.
   */
  readonly order?: HandOutOrder;
  readonly hooks?: SlabHooks;
}

/** Counts, bytes and waste, from stats(). */
export interface SlabStats {
  readonly mappedBytes: number;
  readonly chunks: number;
  readonly emptyChunks: number;
  readonly pages: number;
  readonly statesTotal: number;
  readonly statesInUse: number;
  readonly statesFree: number;
  /** Most states in use at once. */
  readonly highWater: number;
  readonly stride: number;
  readonly statesPerPage: number;
  /** Bytes between the end of one state and the start of the next. */
  readonly stridePaddingBytes: number;
  /** Bytes at page ends that hold no state. */
  readonly pageTailBytes: number;
  /** Bytes of typed arrays holding the allocator's metadata (ordinary JS memory). */
  readonly metadataBytes: number;
  /** Why the last refill failed, if it did. */
  readonly lastMapFailure: string | undefined;
}

/** One page of a chunk, from layout(). */
export interface PageLayout {
  readonly address: bigint;
  /** One entry a slot, in address order. */
  readonly slots: ReadonlyArray<'used' | 'free'>;
}

/** One mapped chunk, from layout(). */
export interface ChunkLayout {
  readonly address: bigint;
  readonly byteLength: number;
  readonly pages: readonly PageLayout[];
}

/** Every mapped chunk, page by page, from layout(). */
export interface SlabLayout {
  readonly stateSize: number;
  readonly stride: number;
  readonly pageSize: number;
  readonly statesPerPage: number;
  readonly chunks: readonly ChunkLayout[];
}
