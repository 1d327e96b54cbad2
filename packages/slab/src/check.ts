// checkInvariants(): every property the allocator promises, verified from scratch
// against the metadata. Used after every step by the model test and the fuzzer.
import type { SlabAllocator } from './allocator.js';
import { SlabError } from './errors.js';
import { findPage } from './page-index.js';
import { H, LIST_END, SLOT_OWNED, SLOT_UNMAPPED } from './store.js';

// Reused between calls (checks run after every fuzz step): a slot is "seen" when its
// stamp equals the current call's, so nothing needs clearing or allocating per call.
let seenStamps = new Uint32Array(1024);
let stamp = 0;

function broken(message: string): never {
  throw new SlabError('ERR_SLAB_INVARIANT', `invariant broken: ${message}`);
}

export function verifyInvariants(allocator: SlabAllocator): void {
  const { store, geometry } = allocator;
  const { header } = store;
  const { stateSize, pageSize, alignment, statesPerPage } = geometry;
  const chunkCount = header[H.chunkCount]!;
  const slotCount = header[H.slotCount]!;

  // Chunks: disjoint, page-aligned, and their slot ranges tile [0, slotCount).
  const mapped: Array<[base: number, end: number, chunk: number]> = [];
  let mappedBytes = 0;
  let mappedPages = 0;
  let emptyChunks = 0;
  let slotsCovered = 0;
  for (let chunk = 0; chunk < chunkCount; chunk += 1) {
    const slots = store.chunkSlots[chunk]!;
    if (slots !== store.chunkPages[chunk]! * statesPerPage) broken(`chunk ${chunk} has ${slots} slots for ${store.chunkPages[chunk]} pages`);
    slotsCovered += slots;
    if (store.chunkMapped[chunk] !== 1) continue;
    const base = store.chunkBase[chunk]!;
    if (base % pageSize !== 0) broken(`chunk ${chunk} at 0x${base.toString(16)} is not page-aligned`);
    const bytes = store.chunkPages[chunk]! * pageSize;
    mapped.push([base, base + bytes, chunk]);
    mappedBytes += bytes;
    mappedPages += store.chunkPages[chunk]!;
    if (store.chunkFree[chunk] === slots) emptyChunks += 1;
  }
  if (slotsCovered !== slotCount) broken(`chunk slot ranges cover ${slotsCovered} slots, header says ${slotCount}`);
  mapped.sort((a, b) => a[0] - b[0]);
  for (let index = 1; index < mapped.length; index += 1) {
    if (mapped[index]![0] < mapped[index - 1]![1]) broken(`chunks ${mapped[index - 1]![2]} and ${mapped[index]![2]} overlap`);
  }
  if (mappedBytes !== header[H.mappedBytes]) broken(`mapped bytes ${header[H.mappedBytes]} != ${mappedBytes} in the chunk table`);
  if (mappedPages !== header[H.mappedPages]) broken(`mapped pages ${header[H.mappedPages]} != ${mappedPages}`);
  if (mapped.length !== header[H.mappedChunks]) broken(`mapped chunks ${header[H.mappedChunks]} != ${mapped.length}`);
  if (emptyChunks !== header[H.emptyChunks]) broken(`empty chunks ${header[H.emptyChunks]} != ${emptyChunks} counted`);
  if (allocator.keepEmpty !== false && emptyChunks > allocator.keepEmpty && allocator.lastUnmapFailure === undefined) {
    broken(`${emptyChunks} fully free chunks are mapped; reclaim keeps at most ${allocator.keepEmpty}`);
  }

  // Unmapped chunk records, kept for reuse: each on the list exactly once, nothing else on it
  // (a mapped record there would be handed out again while its states are in use).
  let unmappedRecords = 0;
  for (let chunk = 0; chunk < chunkCount; chunk += 1) if (store.chunkMapped[chunk] !== 1) unmappedRecords += 1;
  let listedRecords = 0;
  for (let entry = header[H.unmappedHead]!; entry !== 0; entry = store.chunkNextUnmapped[entry - 1]!) {
    const chunk = entry - 1;
    if (!(chunk >= 0 && chunk < chunkCount)) broken(`the unmapped-chunk list points at chunk ${chunk}, which does not exist`);
    if (store.chunkMapped[chunk] === 1) broken(`mapped chunk ${chunk} is on the unmapped-chunk list`);
    if ((listedRecords += 1) > unmappedRecords) broken(`the unmapped-chunk list runs past the ${unmappedRecords} unmapped chunks (a cycle)`);
  }
  if (listedRecords !== unmappedRecords) broken(`the unmapped-chunk list holds ${listedRecords} chunks, ${unmappedRecords} are unmapped`);

  // Slots: placement, status, per-chunk free counts.
  let ownedCount = 0;
  let previousAddress = 0;
  let free = 0;
  const freeByChunk = new Int32Array(chunkCount);
  for (let slot = 0; slot < slotCount; slot += 1) {
    const next = store.slotNext[slot]!;
    const chunk = store.slotChunk[slot]!;
    // Every slot, mapped or not, names the chunk record whose range holds it (the ranges
    // tile the slots, checked above): a wrong one would send a later free to another chunk.
    const first = store.chunkFirstSlot[chunk]!;
    if (!(chunk >= 0 && chunk < chunkCount) || slot < first || slot >= first + store.chunkSlots[chunk]!) broken(`slot ${slot} is outside chunk ${chunk}'s slot range`);
    if (next === SLOT_UNMAPPED) {
      if (store.chunkMapped[chunk] === 1) broken(`slot ${slot} is marked unmapped inside mapped chunk ${chunk}`);
      continue;
    }
    const owned = next === SLOT_OWNED;
    if (!owned && (next < LIST_END || next >= slotCount)) broken(`slot ${slot} has a next link ${next} that is neither a status nor a slot`);
    if (store.chunkMapped[chunk] !== 1) broken(`slot ${slot} is ${owned ? 'owned' : 'free'} in unmapped chunk ${chunk}`);
    const address = allocator.slotAddress(slot);
    const local = slot - first;
    const base = store.chunkBase[chunk]!;
    if (address < base || address + stateSize > base + store.chunkPages[chunk]! * pageSize) broken(`slot ${slot} lies outside chunk ${chunk}`);
    if ((address % pageSize) + stateSize > pageSize) broken(`state at 0x${address.toString(16)} straddles a page`);
    if (address % alignment !== 0) broken(`state at 0x${address.toString(16)} is not ${alignment}-aligned`);
    // Against the state before it on the same page (the first of a page has none there).
    if (local % statesPerPage !== 0 && address < previousAddress + stateSize) {
      broken(`states ${slot - 1} and ${slot} overlap`);
    }
    previousAddress = address;
    if (allocator.slotAt(address) !== slot) broken(`address 0x${address.toString(16)} does not map back to slot ${slot}`);
    if (owned) ownedCount += 1;
    else {
      free += 1;
      freeByChunk[chunk]! += 1;
    }
  }
  if (ownedCount !== header[H.inUse]) broken(`${ownedCount} slots are owned but the header says ${header[H.inUse]} in use`);
  if (free !== header[H.freeCount]) broken(`${free} slots are free but the header says ${header[H.freeCount]}`);
  for (const [base, , chunk] of mapped) {
    if (freeByChunk[chunk] !== store.chunkFree[chunk]) {
      broken(`chunk ${chunk} at 0x${base.toString(16)} counts ${store.chunkFree[chunk]} free, has ${freeByChunk[chunk]}`);
    }
  }

  // Free list: each free slot exactly once, linked both ways, nothing owned on it.
  if (seenStamps.length < slotCount) seenStamps = new Uint32Array(Math.max(slotCount, seenStamps.length * 2));
  stamp = stamp === 0xffffffff ? 1 : stamp + 1;
  if (stamp === 1) seenStamps.fill(0);
  let listed = 0;
  let previous = -1;
  for (let slot = header[H.freeHead]!; slot >= 0; slot = store.slotNext[slot]!) {
    if (slot >= slotCount) broken(`the free list points at slot ${slot}, past the last slot`);
    if (seenStamps[slot] === stamp) broken(`slot ${slot} is on the free list twice (a cycle)`);
    seenStamps[slot] = stamp;
    listed += 1;
    if (store.slotNext[slot]! < LIST_END) broken(`slot ${slot} is on the free list but ${store.slotNext[slot] === SLOT_OWNED ? 'owned' : 'unmapped'}`);
    if (store.slotPrev[slot] !== previous) broken(`slot ${slot}'s prev link is ${store.slotPrev[slot]}, expected ${previous}`);
    previous = slot;
  }
  if (listed !== free) broken(`the free list holds ${listed} slots, ${free} are free`);

  // Page index: every mapped page resolves to its chunk, and nothing else is indexed.
  for (const [base, end, chunk] of mapped) {
    for (let page = base; page < end; page += pageSize) {
      if (findPage(store, page / pageSize) !== chunk) broken(`page 0x${page.toString(16)} is not indexed to chunk ${chunk}`);
    }
  }
  if (header[H.pageEntries] !== mappedPages) broken(`page index holds ${header[H.pageEntries]} pages, ${mappedPages} are mapped`);
}
