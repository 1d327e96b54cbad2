// A Store whose arrays live in growable SharedArrayBuffers, so every worker thread that
// attaches sees (and, under the pool's lock, changes) the same metadata.
//
// Views have a fixed length: on Node 20, length-tracking views over growable buffers are
// about 15x slower per access. A thread that grows a buffer bumps a generation counter;
// the others re-create their views when they see it change (refresh(), under the lock).
import { SlabError } from './errors.js';
import { HEADER_LENGTH, type Store } from './store.js';

type Kind = 'float64' | 'int32' | 'uint8';
const BYTES: Record<Kind, number> = { float64: 8, int32: 4, uint8: 1 };
const FIELDS = {
  header: 'float64',
  lock: 'int32',
  slotChunk: 'int32',
  slotPrev: 'int32',
  slotNext: 'int32',
  ownerTid: 'int32',
  ownerStart: 'float64',
  chunkBase: 'float64',
  chunkPages: 'int32',
  chunkFirstSlot: 'int32',
  chunkSlots: 'int32',
  chunkFree: 'int32',
  chunkMapped: 'uint8',
  chunkNextUnmapped: 'int32',
  pageKeys: 'float64',
  pageChunks: 'int32',
} as const satisfies Record<string, Kind>;
type Field = keyof typeof FIELDS;

/** What a thread needs to attach: structured-clonable, SharedArrayBuffers shared, not copied. */
export interface SharedStoreDescriptor {
  readonly version: 1;
  readonly buffers: Readonly<Record<Field, SharedArrayBuffer>>;
}

// The largest the metadata can grow. A growable SharedArrayBuffer reserves its maximum as
// address space at creation (it counts against `ulimit -v`), so these are what a process
// can really use, not what the format could hold: 2^17 states (a Node process runs out of
// memory long before 131 072 threads), 2^14 chunks, a page index of 2^18 entries. Together
// they reserve 6.5 MiB and commit what is used: 3.6 KiB for a handful of threads.
const MAX_SLOTS = 1 << 17;
const MAX_CHUNKS = 1 << 14;
const MAX_PAGE_ENTRIES = 1 << 18;
const maxEntries: Record<Field, number> = {
  header: HEADER_LENGTH,
  lock: 4,
  slotChunk: MAX_SLOTS,
  slotPrev: MAX_SLOTS,
  slotNext: MAX_SLOTS,
  ownerTid: MAX_SLOTS,
  ownerStart: MAX_SLOTS,
  chunkBase: MAX_CHUNKS,
  chunkPages: MAX_CHUNKS,
  chunkFirstSlot: MAX_CHUNKS,
  chunkSlots: MAX_CHUNKS,
  chunkFree: MAX_CHUNKS,
  chunkMapped: MAX_CHUNKS,
  chunkNextUnmapped: MAX_CHUNKS,
  pageKeys: MAX_PAGE_ENTRIES,
  pageChunks: MAX_PAGE_ENTRIES,
};
const initialEntries: Partial<Record<Field, number>> = { header: HEADER_LENGTH, lock: 4, pageKeys: 16, pageChunks: 16, slotChunk: 64, slotPrev: 64, slotNext: 64, ownerTid: 64, ownerStart: 64, chunkBase: 8, chunkPages: 8, chunkFirstSlot: 8, chunkSlots: 8, chunkFree: 8, chunkMapped: 8, chunkNextUnmapped: 8 };

function view(kind: Kind, buffer: SharedArrayBuffer): Float64Array | Int32Array | Uint8Array {
  const length = buffer.byteLength / BYTES[kind];
  if (kind === 'float64') return new Float64Array(buffer, 0, length);
  if (kind === 'int32') return new Int32Array(buffer, 0, length);
  return new Uint8Array(buffer, 0, length);
}

/** lock[] words: the holder's tid, the growth generation, threads waiting. */
export const LOCK_HOLDER = 0;
const LOCK_GENERATION = 1;
export const LOCK_WAITERS = 2;

export class SharedStore implements Store {
  header!: Float64Array;
  /** [LOCK_HOLDER]: the tid holding the pool lock (0 = free); [LOCK_GENERATION], [LOCK_WAITERS]. */
  lock!: Int32Array;
  slotChunk!: Int32Array;
  slotPrev!: Int32Array;
  slotNext!: Int32Array;
  ownerTid!: Int32Array;
  ownerStart!: Float64Array;
  chunkBase!: Float64Array;
  chunkPages!: Int32Array;
  chunkFirstSlot!: Int32Array;
  chunkSlots!: Int32Array;
  chunkFree!: Int32Array;
  chunkMapped!: Uint8Array;
  chunkNextUnmapped!: Int32Array;
  pageKeys!: Float64Array;
  pageChunks!: Int32Array;
  readonly descriptor: SharedStoreDescriptor;
  private generation = -1;

  private constructor(descriptor: SharedStoreDescriptor) {
    this.descriptor = descriptor;
    this.refresh();
  }

  /** Re-creates the views if any thread grew a buffer since this one last looked. */
  refresh(): void {
    // The lock array never grows, so its view is always current.
    const lock = this.lock ?? new Int32Array(this.descriptor.buffers.lock, 0, 4);
    const generation = Atomics.load(lock, LOCK_GENERATION);
    if (generation === this.generation) return;
    for (const [field, kind] of Object.entries(FIELDS) as Array<[Field, Kind]>) {
      (this as unknown as Record<Field, unknown>)[field] = view(kind, this.descriptor.buffers[field]);
    }
    this.generation = generation;
  }

  /**
   * Fresh, empty shared metadata: 3.6 KiB now, growing in steps.
   * @throws SlabError ERR_SLAB_METADATA when the buffers cannot be created (e.g. `ulimit -v`).
   */
  static create(): SharedStore {
    const buffers = {} as Record<Field, SharedArrayBuffer>;
    try {
      for (const [field, kind] of Object.entries(FIELDS) as Array<[Field, Kind]>) {
        buffers[field] = new SharedArrayBuffer((initialEntries[field] ?? 0) * BYTES[kind], { maxByteLength: maxEntries[field] * BYTES[kind] });
      }
    } catch (cause) {
      throw new SlabError('ERR_SLAB_METADATA', `the shared pool's metadata could not be created: ${(cause as Error).message}`, { cause });
    }
    // Empty: the first SlabAllocator over it writes the header (page size, an empty free list).
    return new SharedStore({ version: 1, buffers });
  }

  /** @throws SlabError ERR_SLAB_INVALID_OPTION when the descriptor is not one of ours. */
  static attach(descriptor: SharedStoreDescriptor): SharedStore {
    const valid =
      descriptor?.version === 1 &&
      (Object.keys(FIELDS) as Field[]).every((field) => descriptor.buffers?.[field] instanceof SharedArrayBuffer && descriptor.buffers[field].growable);
    if (!valid) throw new SlabError('ERR_SLAB_INVALID_OPTION', 'not a shared slab pool descriptor (version 1)');
    return new SharedStore(descriptor);
  }

  private grow(fields: readonly Field[], entries: number): void {
    for (const field of fields) {
      const buffer = this.descriptor.buffers[field];
      const bytes = entries * BYTES[FIELDS[field]];
      if (entries > maxEntries[field]) {
        throw new SlabError('ERR_SLAB_METADATA', `the shared pool is full: ${field} cannot hold ${entries} entries`);
      }
      if (buffer.byteLength < bytes) {
        try {
          buffer.grow(bytes);
        } catch (cause) {
          // The address space was reserved at creation, but committing it can still fail.
          throw new SlabError('ERR_SLAB_METADATA', `the shared pool could not grow ${field} to ${entries} entries: ${(cause as Error).message}`, { cause });
        }
        (this as unknown as Record<Field, unknown>)[field] = view(FIELDS[field], buffer);
        this.generation = Atomics.add(this.lock, LOCK_GENERATION, 1) + 1;
      }
    }
  }

  ensureSlots(count: number): void {
    // Every field of the group: a failed grow may have enlarged only the first ones.
    if (count <= this.slotChunk.length && count <= this.ownerStart.length && count <= this.slotNext.length && count <= this.slotPrev.length && count <= this.ownerTid.length) return;
    this.grow(['slotChunk', 'slotPrev', 'slotNext', 'ownerTid', 'ownerStart'], Math.max(count, Math.ceil(this.slotChunk.length * 1.125), 64));
  }

  ensureChunks(count: number): void {
    if ([this.chunkBase, this.chunkPages, this.chunkFirstSlot, this.chunkSlots, this.chunkFree, this.chunkMapped, this.chunkNextUnmapped].every((field) => count <= field.length)) return;
    this.grow(['chunkBase', 'chunkPages', 'chunkFirstSlot', 'chunkSlots', 'chunkFree', 'chunkMapped', 'chunkNextUnmapped'], Math.max(count, this.chunkBase.length * 2, 8));
  }

  /** Shared buffers cannot shrink: the index keeps its size if already larger. */
  resetPageIndex(capacity: number): void {
    this.grow(['pageKeys', 'pageChunks'], capacity);
    this.pageKeys.fill(0);
    this.pageChunks.fill(0);
  }

  byteLength(): number {
    return Object.values(this.descriptor.buffers).reduce((total, buffer) => total + buffer.byteLength, 0);
  }
}
