// The metadata stores: what they hold at first, how they grow, and how a shared one refuses
// what it cannot hold or attach to.
import { describe, expect, it } from 'vitest';
import { SlabAllocator } from './allocator.js';
import { SimulatedPageSource } from './simulated-source.js';
import { SharedStore, type SharedStoreDescriptor } from './shared-store.js';
import { HEADER_LENGTH, PrivateStore } from './store.js';

const SLOT_FIELDS = ['slotChunk', 'slotPrev', 'slotNext', 'ownerTid', 'ownerStart'] as const;
const CHUNK_FIELDS = ['chunkBase', 'chunkPages', 'chunkFirstSlot', 'chunkSlots', 'chunkFree', 'chunkMapped', 'chunkNextUnmapped'] as const;
// Bytes at first: header 24 × 8, lock 4 × 4, page index 16 × (8 + 4), slots 64 × (4 + 4 + 4 + 4 + 8), chunks 8 × (8 + 4 × 5 + 1).
const SHARED_INITIAL_BYTES = 24 * 8 + 4 * 4 + 16 * 12 + 64 * 24 + 8 * 29;
// The private store has no lock and no owner arrays: slots 64 × 12.
const PRIVATE_INITIAL_BYTES = 24 * 8 + 16 * 12 + 64 * 12 + 8 * 29;

describe('PrivateStore', () => {
  it('starts small, grows slots by an eighth and chunk records by doubling, and keeps its arrays while they fit', () => {
    const store = new PrivateStore();
    expect(store.header).toHaveLength(HEADER_LENGTH);
    expect(store.byteLength()).toBe(PRIVATE_INITIAL_BYTES);
    const { slotChunk, chunkBase } = store;
    store.ensureSlots(64);
    store.ensureChunks(8);
    expect(store.slotChunk).toBe(slotChunk);
    expect(store.chunkBase).toBe(chunkBase);
    store.slotNext[63] = 7;
    store.ensureSlots(65);
    expect([store.slotChunk.length, store.slotPrev.length, store.slotNext.length]).toEqual([72, 72, 72]);
    expect(store.slotNext[63]).toBe(7);
    store.ensureSlots(1000);
    expect(store.slotChunk.length).toBe(1000);
    store.ensureChunks(9);
    expect(store.chunkBase.length).toBe(16);
    expect(store.byteLength()).toBe(PRIVATE_INITIAL_BYTES + (1000 - 64) * 12 + 8 * 29);
  });
});

describe('SharedStore', () => {
  it('starts at its initial sizes and sums every buffer', () => {
    const store = SharedStore.create();
    expect(store.byteLength()).toBe(SHARED_INITIAL_BYTES);
    expect(store.slotChunk).toHaveLength(64);
    expect(store.chunkBase).toHaveLength(8);
  });

  it('keeps every array while the entries asked for fit exactly: no growth, no new views, no new bytes', () => {
    const store = SharedStore.create();
    const views = [...SLOT_FIELDS, ...CHUNK_FIELDS].map((field) => store[field]);
    store.ensureSlots(64);
    store.ensureChunks(8);
    store.ensureChunks(8);
    expect([...SLOT_FIELDS, ...CHUNK_FIELDS].every((field, index) => store[field] === views[index])).toBe(true);
    expect(store.byteLength()).toBe(SHARED_INITIAL_BYTES);
    store.ensureChunks(9);
    store.ensureChunks(16);
    expect(store.chunkBase).toHaveLength(16);
    expect(store.byteLength()).toBe(SHARED_INITIAL_BYTES + 8 * 29);
  });

  it('grows slots to at least an eighth more, and every field of the group, and another thread sees it after refresh()', () => {
    const store = SharedStore.create();
    const other = SharedStore.attach(store.descriptor);
    store.ensureSlots(65);
    for (const field of SLOT_FIELDS) expect(store[field].length, field).toBe(72);
    expect(other.slotChunk.length).toBe(64);
    other.refresh();
    for (const field of SLOT_FIELDS) expect(other[field].length, field).toBe(72);
    store.ensureChunks(9);
    for (const field of CHUNK_FIELDS) expect(store[field].length, field).toBe(16);
    store.resetPageIndex(64);
    expect([store.pageKeys.length, store.pageChunks.length]).toEqual([64, 64]);
  });

  it.each(SLOT_FIELDS)('grows the others when only %s is still short (a grow that failed half way)', (short) => {
    const store = SharedStore.create();
    for (const field of SLOT_FIELDS) if (field !== short) store.descriptor.buffers[field].grow(store.descriptor.buffers[field].byteLength * 4);
    store.refresh();
    const fresh = SharedStore.attach(store.descriptor);
    fresh.ensureSlots(200);
    for (const field of SLOT_FIELDS) expect(fresh[field].length, field).toBeGreaterThanOrEqual(200);
  });

  it.each(CHUNK_FIELDS)('grows the chunk records when only %s is still short', (short) => {
    const store = SharedStore.create();
    for (const field of CHUNK_FIELDS) if (field !== short) store.descriptor.buffers[field].grow(store.descriptor.buffers[field].byteLength * 4);
    const fresh = SharedStore.attach(store.descriptor);
    fresh.ensureChunks(20);
    for (const field of CHUNK_FIELDS) expect(fresh[field].length, field).toBeGreaterThanOrEqual(20);
  });

  it('a store attached after exactly one growth still has views', () => {
    const store = SharedStore.create();
    store.descriptor.buffers.pageKeys.grow(32 * 8);
    store.resetPageIndex(32); // grows pageChunks only: generation 1
    const attached = SharedStore.attach(store.descriptor);
    expect(attached.header).toHaveLength(HEADER_LENGTH);
    expect(attached.pageChunks).toHaveLength(32);
  });

  it('refuses to grow past its limits, with ERR_SLAB_METADATA', () => {
    const store = SharedStore.create();
    expect(() => store.ensureSlots(2 ** 17 + 1)).toThrow(expect.objectContaining({ code: 'ERR_SLAB_METADATA', message: 'the shared pool is full: slotChunk cannot hold 131073 entries' }));
    expect(() => store.ensureSlots(2 ** 17)).not.toThrow();
  });

  it('metadata whose buffers cannot grow as far gives ERR_SLAB_METADATA, not a RangeError', () => {
    const store = SharedStore.create();
    const small = { ...store.descriptor.buffers, slotChunk: new SharedArrayBuffer(64 * 4, { maxByteLength: 100 * 4 }) };
    const attached = SharedStore.attach({ version: 1, buffers: small });
    expect(() => attached.ensureSlots(200)).toThrow(expect.objectContaining({ code: 'ERR_SLAB_METADATA', message: expect.stringMatching(/^the shared pool could not grow slotChunk to 200 entries: /), cause: expect.any(RangeError) }));
  });

  it('metadata that cannot be created (address space refused) gives ERR_SLAB_METADATA', () => {
    const real = globalThis.SharedArrayBuffer;
    globalThis.SharedArrayBuffer = class {
      constructor() {
        throw new RangeError('Array buffer allocation failed');
      }
    } as never;
    try {
      expect(() => SharedStore.create()).toThrow(expect.objectContaining({ code: 'ERR_SLAB_METADATA', message: "the shared pool's metadata could not be created: Array buffer allocation failed", cause: expect.any(RangeError) }));
    } finally {
      globalThis.SharedArrayBuffer = real;
    }
  });

  it.each([
    ['null', null],
    ['another version', { version: 2, buffers: {} }],
    ['no buffers', { version: 1 }],
    ['a buffer missing', { version: 1, buffers: { header: new SharedArrayBuffer(8, { maxByteLength: 16 }) } }],
    ['a buffer that cannot grow', 'fixed'],
    ['an ArrayBuffer', 'plain'],
  ])('attach() refuses %s', (_name, input) => {
    let descriptor = input as unknown;
    if (input === 'fixed' || input === 'plain') {
      const buffers = { ...SharedStore.create().descriptor.buffers } as Record<string, unknown>;
      buffers['slotNext'] = input === 'fixed' ? new SharedArrayBuffer(256) : new ArrayBuffer(256, { maxByteLength: 512 });
      descriptor = { version: 1, buffers };
    }
    expect(() => SharedStore.attach(descriptor as SharedStoreDescriptor)).toThrow(expect.objectContaining({ code: 'ERR_SLAB_INVALID_OPTION', message: 'not a shared slab pool descriptor (version 1)' }));
  });

  it('an allocator over a fresh shared store starts with an empty free list', () => {
    const allocator = new SlabAllocator({ stateSize: 144, alignment: 64, source: new SimulatedPageSource() }, SharedStore.create());
    expect(allocator.allocate()).not.toBeNull();
    allocator.checkInvariants();
  });
});

it('SlabError says its name', async () => {
  const { SlabError } = await import('./errors.js');
  expect(new SlabError('ERR_SLAB_INVARIANT', 'x').name).toBe('SlabError');
});
