// The allocator's metadata: typed arrays in ordinary JS memory, never in the mapped
// pages (the kernel may zero MAP_DROPPABLE pages at any moment). All mutable state,
// counters included, lives in these arrays so a store over SharedArrayBuffers can be
// used by several threads with the same code.
//
// Per slot (12 bytes): chunk id and free-list prev/next. A slot's status is kept in its
// next link: >= -1 on the free list (-1 ends it), SLOT_OWNED or SLOT_UNMAPPED otherwise.
// Per chunk: base address, pages, first slot, slot count, free count, mapped flag.
// Page index: open-addressing hash of page number + 1 (0 = empty) -> chunk id.

/** slotNext of the last free slot. */
export const LIST_END = -1;
// invariant: a slot is owned (slotNext == SLOT_OWNED, on no list) or free (on the free list), never both.
export const SLOT_OWNED = -2;
export const SLOT_UNMAPPED = -3;

/** Indices into the header. */
export const H = {
  freeHead: 0,
  freeCount: 1,
  inUse: 2,
  slotCount: 3,
  chunkCount: 4,
  mappedChunks: 5,
  emptyChunks: 6,
  highWater: 7,
  mappedBytes: 8,
  mappedPages: 9,
  pageEntries: 10,
  disposed: 11,
  /** Kept here so the page index needs no geometry. */
  pageSize: 12,
  /** Head of the list of unmapped chunk records, as chunk + 1 (0 = empty). Derived. */
  unmappedHead: 15,
} as const;
export const HEADER_LENGTH = 24;

export interface Store {
  header: Float64Array;
  slotChunk: Int32Array;
  slotPrev: Int32Array;
  slotNext: Int32Array;
  chunkBase: Float64Array;
  chunkPages: Int32Array;
  chunkFirstSlot: Int32Array;
  chunkSlots: Int32Array;
  chunkFree: Int32Array;
  chunkMapped: Uint8Array;
  /** Next unmapped chunk record after this one, as chunk + 1 (0 = end). Derived. */
  chunkNextUnmapped: Int32Array;
  pageKeys: Float64Array;
  pageChunks: Int32Array;
  /** Shared pools only: the owning thread's kernel tid per slot (0 = none). Authoritative. */
  ownerTid?: Int32Array;
  /** Shared pools only: the owning thread's start time (clock ticks since boot). */
  ownerStart?: Float64Array;
  /** Makes room for at least `count` slots. */
  ensureSlots(count: number): void;
  /** Makes room for at least `count` chunk records. */
  ensureChunks(count: number): void;
  /** Replaces the page index with an empty one of `capacity` entries (a power of 2). */
  resetPageIndex(capacity: number): void;
  /** Bytes of metadata held. */
  byteLength(): number;
}

type Typed = Float64Array | Int32Array | Uint8Array;

function grown<T extends Typed>(array: T, length: number): T {
  const next = new (array.constructor as new (length: number) => T)(length);
  next.set(array);
  return next;
}

/** A store for one thread: plain typed arrays, doubled when full. */
export class PrivateStore implements Store {
  header = new Float64Array(HEADER_LENGTH);
  slotChunk = new Int32Array(64);
  slotPrev = new Int32Array(64);
  slotNext = new Int32Array(64);
  chunkBase = new Float64Array(8);
  chunkPages = new Int32Array(8);
  chunkFirstSlot = new Int32Array(8);
  chunkSlots = new Int32Array(8);
  chunkFree = new Int32Array(8);
  chunkMapped = new Uint8Array(8);
  chunkNextUnmapped = new Int32Array(8);
  pageKeys = new Float64Array(16);
  pageChunks = new Int32Array(16);

  constructor() {
    this.header[H.freeHead] = -1;
  }

  ensureSlots(count: number): void {
    if (count <= this.slotChunk.length) return;
    // Grow by an eighth, not double: slot arrays dominate metadata, and refills are rare.
    const length = Math.max(count, Math.ceil(this.slotChunk.length * 1.125));
    this.slotChunk = grown(this.slotChunk, length);
    this.slotPrev = grown(this.slotPrev, length);
    this.slotNext = grown(this.slotNext, length);
  }

  ensureChunks(count: number): void {
    if (count <= this.chunkBase.length) return;
    const length = capacityFor(count, this.chunkBase.length);
    this.chunkBase = grown(this.chunkBase, length);
    this.chunkPages = grown(this.chunkPages, length);
    this.chunkFirstSlot = grown(this.chunkFirstSlot, length);
    this.chunkSlots = grown(this.chunkSlots, length);
    this.chunkFree = grown(this.chunkFree, length);
    this.chunkMapped = grown(this.chunkMapped, length);
    this.chunkNextUnmapped = grown(this.chunkNextUnmapped, length);
  }

  resetPageIndex(capacity: number): void {
    this.pageKeys = new Float64Array(capacity);
    this.pageChunks = new Int32Array(capacity);
  }

  byteLength(): number {
    return [
      this.header,
      this.slotChunk,
      this.slotPrev,
      this.slotNext,
      this.chunkBase,
      this.chunkPages,
      this.chunkFirstSlot,
      this.chunkSlots,
      this.chunkFree,
      this.chunkMapped,
      this.chunkNextUnmapped,
      this.pageKeys,
      this.pageChunks,
    ].reduce((total, array) => total + array.byteLength, 0);
  }
}

function capacityFor(count: number, current: number): number {
  let length = Math.max(current, 1);
  while (length < count) length *= 2;
  return length;
}
