// checkInvariants() is the fuzzer's and the model test's eyes: a corruption it misses is a
// bug they cannot see. Each case breaks one thing in a healthy allocator's metadata (or its
// placement arithmetic) and expects the report that names it.
import { describe, expect, it } from 'vitest';
import { SlabAllocator } from './allocator.js';
import { SlabError } from './errors.js';
import { SimulatedPageSource } from './simulated-source.js';
import { H, SLOT_OWNED, SLOT_UNMAPPED } from './store.js';

/** 60 states over several chunks (21 a page), every third freed: owned and free slots in every chunk. */
function healthy() {
  const allocator = new SlabAllocator({ stateSize: 144, alignment: 64, source: new SimulatedPageSource() });
  const handles = Array.from({ length: 60 }, () => allocator.allocate()!);
  handles.forEach((handle, index) => {
    if (index % 3 === 0) allocator.free(handle);
  });
  const { store } = allocator;
  const slotCount = store.header[H.slotCount]!;
  const owned = [...Array(slotCount).keys()].filter((slot) => store.slotNext[slot] === SLOT_OWNED);
  const freeSlots: number[] = [];
  for (let slot = store.header[H.freeHead]!; slot >= 0; slot = store.slotNext[slot]!) freeSlots.push(slot);
  return { allocator, store, slotCount, owned, freeSlots };
}

/** An allocator that has unmapped a chunk (everything freed, reclaim keeps one empty chunk). */
function withUnmappedChunk() {
  const allocator = new SlabAllocator({ stateSize: 144, alignment: 64, source: new SimulatedPageSource() });
  const handles = Array.from({ length: 200 }, () => allocator.allocate()!);
  for (const handle of handles) allocator.free(handle);
  const { store } = allocator;
  const chunk = [...Array(store.header[H.chunkCount]!).keys()].find((index) => store.chunkMapped[index] === 0);
  if (chunk === undefined) throw new Error('the fixture should have unmapped a chunk');
  return { allocator, store, chunk: chunk as number, slot: store.chunkFirstSlot[chunk]! };
}

function report(allocator: SlabAllocator): string | undefined {
  try {
    allocator.checkInvariants();
  } catch (error) {
    expect(error).toBeInstanceOf(SlabError);
    expect((error as SlabError).code).toBe('ERR_SLAB_INVARIANT');
    return (error as SlabError).message;
  }
  return undefined;
}

describe('checkInvariants() names every kind of corruption', () => {
  it('passes a healthy allocator, with owned, free and unmapped slots', () => {
    expect(report(healthy().allocator)).toBeUndefined();
    expect(report(withUnmappedChunk().allocator)).toBeUndefined();
  });

  const cases: Array<[string, (fixture: ReturnType<typeof healthy>) => void, RegExp]> = [
    ['a chunk whose slot count does not match its pages', ({ store }) => (store.chunkSlots[0]! += 1), /^invariant broken: chunk 0 has 22 slots for 1 pages$/],
    ['a chunk base that is not page-aligned', ({ store }) => (store.chunkBase[0]! += 64), /^invariant broken: chunk 0 at 0x[0-9a-f]+ is not page-aligned$/],
    ['a header slot count the chunks do not cover', ({ store }) => (store.header[H.slotCount]! += 1), /^invariant broken: chunk slot ranges cover \d+ slots, header says \d+$/],
    ['two chunks over the same pages', ({ store }) => (store.chunkBase[1] = store.chunkBase[0]!), /^invariant broken: chunks [01] and [01] overlap$/],
    ['mapped bytes off by a page', ({ store }) => (store.header[H.mappedBytes]! += 4096), /^invariant broken: mapped bytes \d+ != \d+ in the chunk table$/],
    ['mapped pages off by one', ({ store }) => (store.header[H.mappedPages]! += 1), /^invariant broken: mapped pages \d+ != \d+$/],
    ['mapped chunks off by one', ({ store }) => (store.header[H.mappedChunks]! += 1), /^invariant broken: mapped chunks \d+ != \d+$/],
    ['an empty-chunk count that is not the number of empty chunks', ({ store }) => (store.header[H.emptyChunks]! += 1), /^invariant broken: empty chunks 1 != 0 counted$/],
    ['a mapped slot marked unmapped', ({ store, owned }) => (store.slotNext[owned[0]!] = SLOT_UNMAPPED), /^invariant broken: slot \d+ is marked unmapped inside mapped chunk \d+$/],
    ['a next link past the last slot', ({ store, owned, slotCount }) => (store.slotNext[owned[0]!] = slotCount + 5), /^invariant broken: slot \d+ has a next link \d+ that is neither a status nor a slot$/],
    ['a next link below the statuses', ({ store, owned }) => (store.slotNext[owned[0]!] = -7), /^invariant broken: slot \d+ has a next link -7 that is neither a status nor a slot$/],
    ['a next link exactly one past the last slot', ({ store, freeSlots, slotCount }) => (store.slotNext[freeSlots[1]!] = slotCount), /^invariant broken: slot \d+ has a next link \d+ that is neither a status nor a slot$/],
    ['a free list that starts exactly one past the last slot', ({ store, slotCount }) => (store.header[H.freeHead] = slotCount), /^invariant broken: the free list points at slot \d+, past the last slot$/],
    ['a slot whose chunk field names no chunk', ({ store, owned }) => (store.slotChunk[owned[0]!] = store.header[H.chunkCount]!), /^invariant broken: slot \d+ is outside chunk \d+'s slot range$/],
    ['a slot whose chunk field is negative', ({ store, owned }) => (store.slotChunk[owned[0]!] = -1), /^invariant broken: slot \d+ is outside chunk -1's slot range$/],
    ['a slot whose chunk field is far past the chunk records', ({ store, owned }) => (store.slotChunk[owned[0]!] = 1_000_000), /^invariant broken: slot \d+ is outside chunk 1000000's slot range$/],
    ['a slot recorded in another chunk', ({ store, owned }) => (store.slotChunk[owned[0]!] = 1 - store.slotChunk[owned[0]!]!), /^invariant broken: slot \d+ is outside chunk \d+'s slot range$/],
    ['more slots owned than the header counts', ({ store }) => (store.header[H.inUse]! -= 1), /^invariant broken: \d+ slots are owned but the header says \d+ in use$/],
    ['a free count the slots do not have', ({ store }) => (store.header[H.freeCount]! += 1), /^invariant broken: \d+ slots are free but the header says \d+$/],
    ['a chunk whose free count is off', ({ store }) => (store.chunkFree[0]! += 1), /^invariant broken: (chunk 0 at 0x[0-9a-f]+ counts \d+ free, has \d+|empty chunks \d+ != \d+ counted)$/],
    ['a free list that points past the last slot', ({ store, slotCount }) => (store.header[H.freeHead] = slotCount + 3), /^invariant broken: the free list points at slot \d+, past the last slot$/],
    ['a free list with a cycle', ({ store, freeSlots }) => (store.slotNext[freeSlots.at(-1)!] = freeSlots[0]!), /^invariant broken: slot \d+ is on the free list twice \(a cycle\)$/],
    ['a free list that runs into an owned slot', ({ store, freeSlots, owned }) => (store.slotNext[freeSlots.at(-1)!] = owned[0]!), /^invariant broken: slot \d+ is on the free list but owned$/],
    ['a wrong prev link', ({ store, freeSlots }) => (store.slotPrev[freeSlots[1]!] = freeSlots[1]!), /^invariant broken: slot \d+'s prev link is \d+, expected \d+$/],
    ['a free list that skips a free slot', ({ store, freeSlots }) => {
      store.slotNext[freeSlots[0]!] = freeSlots[2]!;
      store.slotPrev[freeSlots[2]!] = freeSlots[0]!;
    }, /^invariant broken: the free list holds \d+ slots, \d+ are free$/],
    ['a page-entry count off by one', ({ store }) => (store.header[H.pageEntries]! += 1), /^invariant broken: page index holds \d+ pages, \d+ are mapped$/],
  ];
  it.each(cases)('%s', (_name, corrupt, message) => {
    const fixture = healthy();
    corrupt(fixture);
    expect(report(fixture.allocator)).toMatch(message);
  });

  it('a slot owned in an unmapped chunk, or marked unmapped in a mapped one', () => {
    const owned = withUnmappedChunk();
    owned.store.slotNext[owned.slot] = SLOT_OWNED;
    expect(report(owned.allocator)).toMatch(/^invariant broken: slot \d+ is owned in unmapped chunk \d+$/);
    const free = withUnmappedChunk();
    free.store.slotNext[free.slot] = -1;
    expect(report(free.allocator)).toMatch(/^invariant broken: slot \d+ is free in unmapped chunk \d+$/);
  });

  it('a chunk field one past the records when the record arrays are exactly full', () => {
    // glibc: one page a chunk; 8 chunks fill the record arrays' first 8 entries exactly.
    const allocator = new SlabAllocator({ stateSize: 144, alignment: 64, policy: 'glibc', source: new SimulatedPageSource() });
    const handles = Array.from({ length: 8 * 21 }, () => allocator.allocate()!);
    const { store } = allocator;
    expect([store.header[H.chunkCount], store.chunkFirstSlot.length]).toEqual([8, 8]);
    store.slotChunk[handles[0]!.index] = 8;
    expect(report(allocator)).toBe(`invariant broken: slot ${handles[0]!.index} is outside chunk 8's slot range`);
  });

  it('an unmapped slot whose chunk field names a mapped chunk (a later reuse would go astray)', () => {
    const fixture = withUnmappedChunk();
    const mapped = [...Array(fixture.store.header[H.chunkCount]!).keys()].find((index) => fixture.store.chunkMapped[index] === 1)!;
    fixture.store.slotChunk[fixture.slot] = mapped;
    expect(report(fixture.allocator)).toBe(`invariant broken: slot ${fixture.slot} is outside chunk ${mapped}'s slot range`);
  });

  it.each([
    ['a mapped chunk on the unmapped-chunk list', (f: ReturnType<typeof withUnmappedChunk>) => {
      const mapped = [...Array(f.store.header[H.chunkCount]!).keys()].find((index) => f.store.chunkMapped[index] === 1)!;
      f.store.chunkNextUnmapped[mapped] = f.store.header[H.unmappedHead]!;
      f.store.header[H.unmappedHead] = mapped + 1;
    }, /^invariant broken: mapped chunk \d+ is on the unmapped-chunk list$/],
    ['an unmapped chunk missing from the list', (f: ReturnType<typeof withUnmappedChunk>) => (f.store.header[H.unmappedHead] = 0), /^invariant broken: the unmapped-chunk list holds 0 chunks, [1-9]\d* are unmapped$/],
    ['an unmapped-chunk list that loops', (f: ReturnType<typeof withUnmappedChunk>) => (f.store.chunkNextUnmapped[f.chunk] = f.chunk + 1), /^invariant broken: the unmapped-chunk list runs past the [1-9]\d* unmapped chunks \(a cycle\)$/],
    ['an unmapped-chunk list with a negative link', (f: ReturnType<typeof withUnmappedChunk>) => (f.store.chunkNextUnmapped[f.chunk] = -5), /^invariant broken: the unmapped-chunk list points at chunk -6, which does not exist$/],
    ['an unmapped-chunk list that points past the chunks', (f: ReturnType<typeof withUnmappedChunk>) => (f.store.chunkNextUnmapped[f.chunk] = f.store.header[H.chunkCount]! + 1), /^invariant broken: the unmapped-chunk list points at chunk \d+, which does not exist$/],
  ])('%s', (_name, corrupt, message) => {
    const fixture = withUnmappedChunk();
    // The list's head: the chunk unmapped last.
    fixture.chunk = fixture.store.header[H.unmappedHead]! - 1;
    corrupt(fixture);
    expect(report(fixture.allocator)).toMatch(message);
  });

  it('a cycle among slots past any earlier check\'s is still found (the visit marks grow with the slots)', () => {
    // 1-byte states on 64 KiB pages: 65 536 slots a page, more than any other test has, so the
    // marks (shared by every check in the process, and only ever grown) must grow here.
    const allocator = new SlabAllocator({ stateSize: 1, alignment: 1, policy: 'glibc', source: new SimulatedPageSource({ pageSize: 65_536 }) });
    const handles = Array.from({ length: 65_536 + 100 }, () => allocator.allocate()!);
    for (const handle of handles.slice(65_536, 65_546)) allocator.free(handle);
    expect(report(allocator)).toBeUndefined();
    const { store } = allocator;
    let last = store.header[H.freeHead]!;
    while (store.slotNext[last]! >= 0) last = store.slotNext[last]!;
    store.slotNext[last] = store.header[H.freeHead]!;
    expect(report(allocator)).toMatch(/^invariant broken: slot 655\d\d is on the free list twice \(a cycle\)$/);
  });

  it('chunks mapped at falling addresses are healthy: only states of one page are compared for overlap', () => {
    let next = 0x7f00_0010_0000n;
    const source = { pageSize: 4096, cacheLineSize: 64, cpus: 1, map: (byteLength: number) => ({ ok: true as const, region: { address: (next -= BigInt(byteLength) + 4096n), byteLength } }), unmap: () => {} };
    const allocator = new SlabAllocator({ stateSize: 144, alignment: 64, policy: 'adaptive', source });
    Array.from({ length: 100 }, () => allocator.allocate()!);
    expect(allocator.stats().chunks).toBeGreaterThan(2);
    expect(report(allocator)).toBeUndefined();
  });

  it('chunks mapped back to back (no guard page between them) do not overlap', () => {
    const allocator = new SlabAllocator({ stateSize: 144, alignment: 64, policy: 'adaptive', source: new SimulatedPageSource({ guardPages: 0 }) });
    Array.from({ length: 100 }, () => allocator.allocate()!);
    const chunks = allocator.layout().chunks;
    expect(chunks.length).toBeGreaterThan(2);
    expect(chunks[1]!.address).toBe(chunks[0]!.address + BigInt(chunks[0]!.byteLength));
    expect(report(allocator)).toBeUndefined();
  });

  it('a free list that runs into an unmapped slot', () => {
    const fixture = withUnmappedChunk();
    let last = fixture.store.header[H.freeHead]!;
    expect(last).toBeGreaterThanOrEqual(0);
    while (fixture.store.slotNext[last]! >= 0) last = fixture.store.slotNext[last]!;
    fixture.store.slotNext[last] = fixture.slot;
    expect(report(fixture.allocator)).toBe(`invariant broken: slot ${fixture.slot} is on the free list but unmapped`);
  });

  it('more fully free chunks mapped than reclaim keeps', () => {
    const fixture = withUnmappedChunk();
    // The one empty chunk reclaim kept, against a limit of none.
    Object.defineProperty(fixture.allocator, 'keepEmpty', { value: 0 });
    expect(report(fixture.allocator)).toMatch(/^invariant broken: 1 fully free chunks are mapped; reclaim keeps at most 0$/);
    // Not while an unmap has failed: then the extra chunk is expected.
    fixture.allocator.lastUnmapFailure = 'EINVAL';
    expect(report(fixture.allocator)).toBeUndefined();
  });

  describe('placement arithmetic that goes wrong', () => {
    const placements: Array<[string, (address: number, slot: number, pageSize: number) => number, RegExp]> = [
      ['a state outside its chunk', (address) => address + (1 << 30), /^invariant broken: slot \d+ lies outside chunk \d+$/],
      // Slot 22 is in the first of chunk 1's two pages: moved to that page's last 64 bytes, it stays inside the chunk.
      ['a state across a page boundary', (address, slot, pageSize) => (slot === 22 ? address - (address % pageSize) + pageSize - 64 : address), /^invariant broken: state at 0x[0-9a-f]+ straddles a page$/],
      // The last slot of the first chunk (one page, 21 states) moved to the page's last 64 bytes: it starts inside, ends outside.
      ['a state that runs past its chunk', (address, slot, pageSize) => (slot === 20 ? address - (address % pageSize) + pageSize - 64 : address), /^invariant broken: slot 20 lies outside chunk 0$/],
      // The first state of chunk 1 moved a page down, into the guard page below it.
      ['a state below its chunk', (address, slot, pageSize) => (slot === 21 ? address - pageSize : address), /^invariant broken: slot 21 lies outside chunk 1$/],
      ['a misaligned state', (address) => address + 8, /^invariant broken: state at 0x[0-9a-f]+ is not 64-aligned$/],
      ['two states at one address', (address, slot) => (slot % 21 === 1 ? address - 192 : address), /^invariant broken: states 0 and 1 overlap$/],
    ];
    it.each(placements)('%s', (_name, misplace, message) => {
      const { allocator } = healthy();
      const slotAddress = allocator.slotAddress.bind(allocator);
      const pageSize = allocator.geometry.pageSize;
      allocator.slotAddress = (slot: number) => misplace(slotAddress(slot), slot, pageSize);
      expect(report(allocator)).toMatch(message);
    });

    it('a mapped page missing from the page index (while addresses still map back)', () => {
      const { allocator, store, slotCount } = healthy();
      // Resolve addresses as the healthy index did, so the slot checks pass and the index check is reached.
      const slots = new Map([...Array(slotCount).keys()].map((slot) => [allocator.slotAddress(slot), slot]));
      allocator.slotAt = (address: number) => slots.get(address) ?? -1;
      const entry = [...store.pageKeys.keys()].find((index) => store.pageKeys[index] !== 0)!;
      store.pageKeys[entry] = 0;
      expect(report(allocator)).toMatch(/^invariant broken: page 0x[0-9a-f]+ is not indexed to chunk \d+$/);
    });

    it('an address that does not map back to its slot', () => {
      const { allocator } = healthy();
      allocator.slotAt = () => -1;
      expect(report(allocator)).toMatch(/^invariant broken: address 0x[0-9a-f]+ does not map back to slot \d+$/);
    });
  });
});
